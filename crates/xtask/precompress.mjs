// Writes `<file>.br` (brotli, quality 11) and `<file>.gz` (gzip, level 9) next to every file
// named on the command line, and prints the three sizes. `cargo xtask` runs it on Trunk's
// hashed output so kiln-server can send those copies by content negotiation. Node's own
// zlib does the work, so this needs nothing that Node and npm do not already bring.
import { readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const kib = (n) => (n / 1024).toFixed(1).padStart(9);
for (const file of process.argv.slice(2)) {
  const raw = readFileSync(file);
  const br = brotliCompressSync(raw, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
      [constants.BROTLI_PARAM_SIZE_HINT]: raw.length,
    },
  });
  const gz = gzipSync(raw, { level: 9 });
  writeFileSync(`${file}.br`, br);
  writeFileSync(`${file}.gz`, gz);
  console.log(`    ${basename(file).padEnd(44)} ${kib(raw.length)} KiB raw ${kib(br.length)} KiB br ${kib(gz.length)} KiB gz`);
}
