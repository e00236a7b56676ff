//! The build parameters editor: a JSON text area checked as the person types, which
//! points at the line and column of the first mistake.

use serde_json::{Map, Value};
use web_sys::HtmlTextAreaElement;
use yew::prelude::*;

use super::state::{Action, TextField};
use super::validation::FieldMessage;

/// Where the JSON goes wrong, in words a person understands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParamsError {
    /// 1-based; 0 when the mistake is not at one place (the value is not an object).
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// serde_json's wording, made plainer for the mistakes people make most.
fn plain(error: &serde_json::Error) -> String {
    let raw = error.to_string();
    let text = raw.split(" at line ").next().unwrap_or(&raw);
    match text {
        t if t.starts_with("EOF while parsing") => {
            "the text ends too early; is a closing } or ] or \" missing?".to_owned()
        }
        "key must be a string" => "keys must be in double quotes, like \"region\"".to_owned(),
        "trailing comma" => "remove the comma before the closing bracket".to_owned(),
        "expected value" => {
            "a value is expected here (a string in double quotes, a number, true, false, null, {…} or […])".to_owned()
        }
        "expected `:`" => "a : is expected between a key and its value".to_owned(),
        "expected `,` or `}`" => "a , or } is expected here; is a comma missing?".to_owned(),
        "expected `,` or `]`" => "a , or ] is expected here; is a comma missing?".to_owned(),
        "trailing characters" => "there is more text after the object ends".to_owned(),
        other => other.to_owned(),
    }
}

/// Parses the editor's text: blank means `{}`; anything but a JSON object is an error.
pub fn parse_params(text: &str) -> Result<Map<String, Value>, ParamsError> {
    if text.trim().is_empty() {
        return Ok(Map::new());
    }
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(other) => {
            let what = match other {
                Value::Array(_) => "a list",
                Value::String(_) => "a string",
                Value::Number(_) => "a number",
                Value::Bool(_) => "true or false",
                _ => "null",
            };
            Err(ParamsError {
                line: 0,
                column: 0,
                message: format!("must be a JSON object like {{\"key\": \"value\"}}, not {what}"),
            })
        }
        Err(e) => Err(ParamsError { line: e.line(), column: e.column(), message: plain(&e) }),
    }
}

impl ParamsError {
    /// The sentence shown under the editor, which is labelled, so it does not name the field.
    pub fn sentence(&self) -> String {
        if self.line == 0 {
            format!("{}{}", capitalised(&self.message), end_stop(&self.message))
        } else {
            format!("Line {}, column {}: {}{}", self.line, self.column, self.message, end_stop(&self.message))
        }
    }
}

/// A full stop, unless the sentence already ends with one or a question mark.
fn end_stop(s: &str) -> &'static str {
    if s.ends_with(['.', '?']) { "" } else { "." }
}

/// Upper-cases an ASCII first letter. The messages it gets (`ParamsError` with no line) are the
/// console's own English text, so ASCII suffices, and `char::to_uppercase` would link std's
/// Unicode upper-case tables (about 11 KiB of wasm) for nothing.
fn capitalised(s: &str) -> String {
    let mut out = s.to_owned();
    if let Some(first) = out.get_mut(..1) {
        first.make_ascii_uppercase();
    }
    out
}

#[derive(Properties, PartialEq)]
pub struct ParamsEditorProps {
    pub value: AttrValue,
    pub message: Option<FieldMessage>,
    pub on_action: Callback<Action>,
}

/// The byte range of 1-based `line` in `text`, for selecting it.
fn line_range(text: &str, line: usize) -> (u32, u32) {
    let mut start = 0;
    for (i, l) in text.split('\n').enumerate() {
        let end = start + l.encode_utf16().count();
        if i + 1 == line {
            return (start as u32, end as u32);
        }
        start = end + 1;
    }
    (0, 0)
}

#[component]
pub fn ParamsEditor(props: &ParamsEditorProps) -> Html {
    let area = use_node_ref();
    let oninput = props.on_action.reform(|e: InputEvent| {
        let area: HtmlTextAreaElement = e.target_unchecked_into();
        Action::SetText(TextField::BuildParameters, area.value())
    });
    let error = parse_params(&props.value).err();
    let pointer = error.as_ref().filter(|e| e.line > 0).map(|e| {
        let text = props.value.split('\n').nth(e.line - 1).unwrap_or_default().to_owned();
        let caret = format!("{}^", " ".repeat(e.column.saturating_sub(1)));
        let go = {
            let (area, value, line) = (area.clone(), props.value.clone(), e.line);
            Callback::from(move |_: MouseEvent| {
                if let Some(area) = area.cast::<HtmlTextAreaElement>() {
                    let (start, end) = line_range(&value, line);
                    let _ = area.focus();
                    let _ = area.set_selection_range(start, end);
                }
            })
        };
        html! {
            <div class="params-pointer">
                <pre aria-hidden="true"><span class="params-line-no">{ format!("{:>3} | ", e.line) }</span>{ text }{ "\n" }<span class="params-line-no">{ "    | " }</span><span class="params-caret">{ caret }</span></pre>
                <button type="button" class="button-quiet" onclick={go}>{ format!("Go to line {}", e.line) }</button>
            </div>
        }
    });
    let invalid = props.message.as_ref().is_some_and(|m| m.invalid);
    let lines = props.value.split('\n').count().clamp(4, 14) as u32;
    html! {
        <div class="field params-editor">
            <label for="f-buildParameters">{ "Build parameters (JSON)" }</label>
            <textarea id="f-buildParameters" ref={area} rows={lines.to_string()} spellcheck="false" autocomplete="off"
                value={props.value.clone()} {oninput} aria-invalid={invalid.to_string()}
                aria-describedby="f-buildParameters-help f-buildParameters-error" />
            <p class="help" id="f-buildParameters-help">{ "Given to every job as configuration. Default: {} (none)." }</p>
            { for pointer }
            <p class="field-error" id="f-buildParameters-error">{ props.message.as_ref().map(|m| m.text.clone()).unwrap_or_default() }</p>
        </div>
    }
}
