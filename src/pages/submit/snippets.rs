//! The request as text to copy: the exact JSON body, a `curl` command, and the
//! equivalent call of the service's official Python client (`foundry-dev-tools` for
//! build2, `foundry-platform-sdk` for Foundry's public API). Pure, so the tests pin them.

use kiln_api::build2::{DEFAULT_BRANCH, SubmitBuildRequest};
use serde_json::Value;

/// The JSON body exactly as the console sends it, pretty-printed.
pub fn request_json(request: &SubmitBuildRequest) -> String {
    serde_json::to_string_pretty(request).unwrap_or_else(|e| format!("(the request could not be written: {e})"))
}

/// Quotes text for a POSIX shell: single quotes, with each `'` written as `'\''`.
pub fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// A `curl` command that sends `body` to `submit_url`, filed under `team` where the
/// service has teams. A token is never written out: the command reads it from
/// `$KILN_TOKEN` when the service needs one.
pub fn curl_command(submit_url: &str, team: Option<&str>, with_token: bool, body: &str) -> String {
    let mut lines = vec![
        format!("curl -sS -X POST {}", shell_quote(submit_url)),
        "  -H 'Content-Type: application/json'".to_owned(),
    ];
    if let Some(team) = team {
        lines.push(format!("  -H {}", shell_quote(&format!("{}: {team}", kiln_api::TEAM_HEADER))));
    }
    if with_token {
        lines.push("  -H \"Authorization: Bearer $KILN_TOKEN\"".to_owned());
    }
    lines.push(format!("  --data-raw {}", shell_quote(body)));
    lines.join(" \\\n")
}

/// A JSON value written as a Python literal (JSON strings are valid Python strings).
pub fn python_literal(value: &Value, indent: usize) -> String {
    let pad = "    ".repeat(indent + 1);
    let end = "    ".repeat(indent);
    match value {
        Value::Null => "None".to_owned(),
        Value::Bool(true) => "True".to_owned(),
        Value::Bool(false) => "False".to_owned(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => Value::String(s.clone()).to_string(),
        Value::Array(items) if items.is_empty() => "[]".to_owned(),
        Value::Array(items) => {
            let inner: Vec<String> = items.iter().map(|v| format!("{pad}{},", python_literal(v, indent + 1))).collect();
            format!("[\n{}\n{end}]", inner.join("\n"))
        }
        Value::Object(map) if map.is_empty() => "{}".to_owned(),
        Value::Object(map) => {
            let inner: Vec<String> = map
                .iter()
                .map(|(k, v)| format!("{pad}{}: {},", Value::String(k.clone()), python_literal(v, indent + 1)))
                .collect();
            format!("{{\n{}\n{end}}}", inner.join("\n"))
        }
    }
}

/// The `foundry-dev-tools` call that sends the same build: `api_submit_build` with the
/// selections (their payloads; the client adds `type` itself) and every keyword whose
/// value differs from that client's default. `null` and `false` mean the same to the
/// service, so a `null` flag is simply left out.
pub fn python_call(request: &SubmitBuildRequest, team: &str) -> String {
    let selections: Vec<Value> = request
        .job_spec_selections
        .iter()
        .filter_map(|s| serde_json::to_value(s).ok())
        .filter_map(|v| v.get(v.get("type")?.as_str()?).cloned())
        .collect();
    let mut args = vec![format!("    job_spec_selections={},", python_literal(&Value::Array(selections), 1))];
    let mut arg = |name: &str, value: Value| args.push(format!("    {name}={},", python_literal(&value, 1)));
    let text = |s: &str| Value::String(s.to_owned());
    if let Some(id) = &request.submission_id {
        arg("submission_id", text(id));
    }
    if let Some(rid) = &request.build_group_rid {
        arg("build_group_rid", text(rid.as_str()));
    }
    // The client's own default branch is master; a request without one must say None.
    match request.branch.as_deref() {
        Some(DEFAULT_BRANCH) => {}
        Some(branch) => arg("branch", text(branch)),
        None => arg("branch", Value::Null),
    }
    let fallbacks = request.fallback_branches();
    if !fallbacks.is_empty() {
        arg("branch_fallbacks", Value::Array(fallbacks.iter().map(|b| text(b)).collect()));
    }
    let flags = [
        ("force_build", request.force_build),
        ("ignore_build_policy", request.ignore_build_policy),
        ("finish_on_failure", request.finish_on_failures),
        ("force_retry", request.force_retry),
        ("suppress_notifications", request.suppress_notifications),
    ];
    for (name, value) in flags {
        if value == Some(true) {
            arg(name, Value::Bool(true));
        }
    }
    if let Some(n) = request.num_run_job_attempts {
        arg("num_run_job_attempts", n.into());
    }
    if let Some(n) = request.retry_backoff_duration {
        arg("retry_backoff_duration", n.into());
    }
    if let Some(params) = request.build_parameters.as_ref().filter(|p| !p.is_empty()) {
        arg("build_parameters", Value::Object(params.clone()));
    }
    if let Some(mode) = request.exceeded_duration_mode.and_then(|m| serde_json::to_value(m).ok()) {
        arg("exceeded_duration_mode", mode);
    }
    if let Some(strategies) =
        request.input_failure_strategies.as_ref().filter(|s| !s.is_empty()).and_then(|s| serde_json::to_value(s).ok())
    {
        arg("input_failure_strategies", strategies);
    }
    if let Some(strategy) = request.output_queue_strategy.and_then(|s| serde_json::to_value(s).ok()) {
        arg("output_queue_strategy", strategy);
    }
    format!(
        "from foundry_dev_tools import FoundryContext\n\nctx = FoundryContext()\n# Kiln files the build under the {} header's team ({team}) or your first team.\nresponse = ctx.build2.api_submit_build(\n{}\n    headers={{{}: {}}},\n)\nprint(response.json())\n",
        kiln_api::TEAM_HEADER,
        args.join("\n"),
        Value::String(kiln_api::TEAM_HEADER.to_owned()),
        Value::String(team.to_owned()),
    )
}

/// camelCase wire names as Python keyword names (`branchName` → `branch_name`).
fn snake_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    for c in name.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// The `foundry-platform-sdk` call that sends the same build: `Build.create` with each
/// field of the `CreateBuildRequest` body as a keyword (the SDK takes the target as a dict
/// in the wire's names). The token comes from `$FOUNDRY_TOKEN`, never written out.
pub fn sdk_call(body: &Value, hostname: &str, http: bool) -> String {
    let args: Vec<String> = match body {
        Value::Object(fields) => {
            fields.iter().map(|(k, v)| format!("    {}={},", snake_case(k), python_literal(v, 1))).collect()
        }
        _ => Vec::new(),
    };
    let (import, config) = if http { ("Config, ", ", config=Config(scheme=\"http\")") } else { ("", "") };
    format!(
        "import os\n\nfrom foundry_sdk import {import}FoundryClient, UserTokenAuth\n\nclient = FoundryClient(auth=UserTokenAuth(token=os.environ[\"FOUNDRY_TOKEN\"]), hostname={}{config})\nbuild = client.orchestration.Build.create(\n{}\n)\nprint(build.rid, build.status)\n",
        Value::String(hostname.to_owned()),
        args.join("\n"),
    )
}
