//! The page's dialogs: confirming a stop (naming every build it stops) and editing tags.
//! They sit in the shared [`Modal`], which keeps focus inside while open and gives it back
//! to the button that opened them. A stop dialog marks "Keep running" with
//! `data-autofocus`: Enter alone must not kill a build.

use std::rc::Rc;

use kiln_api::teams::TeamBuild;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use super::actions::Kind;
use super::filters::parse_tags;
use crate::components::modal::Modal;
use crate::time_fmt::{now_millis, relative};

/// Which dialog is open, and for which builds.
#[derive(Debug, Clone, PartialEq)]
pub enum Dialog {
    Stop(Vec<Rc<TeamBuild>>),
    EditTags(Rc<TeamBuild>),
    /// Add or remove one tag on several builds.
    BulkTag {
        builds: Vec<Rc<TeamBuild>>,
        remove: bool,
    },
}

#[derive(Properties, PartialEq)]
pub struct DialogProps {
    pub dialog: Dialog,
    /// The action the person confirmed, for the dialog's builds.
    pub on_confirm: Callback<(Kind, Vec<Rc<TeamBuild>>)>,
    pub on_cancel: Callback<()>,
}

fn describe(build: &TeamBuild) -> String {
    format!(
        "#{} · {} · started by {} {}",
        build.run_id,
        build.status.state,
        build.created_by,
        relative(&build.created_time, now_millis())
    )
}

#[component]
pub fn ActionDialog(props: &DialogProps) -> Html {
    let input = use_node_ref();
    let cancel = props.on_cancel.reform(|_: MouseEvent| ());
    match &props.dialog {
        Dialog::Stop(builds) => {
            let title = match builds.as_slice() {
                [one] => format!("Stop build #{}?", one.run_id),
                many => format!("Stop {} builds?", many.len()),
            };
            let confirm_label = match builds.as_slice() {
                [one] => format!("Stop build #{}", one.run_id),
                many => format!("Stop {} builds", many.len()),
            };
            let onclick = {
                let builds = builds.clone();
                props.on_confirm.reform(move |_: MouseEvent| (Kind::Stop, builds.clone()))
            };
            html! {
                <Modal title={title} title_id="dialog-title" on_close={props.on_cancel.clone()}>
                    <p>{ "Every process of these builds is killed; their running jobs end as stopped." }</p>
                    <ul class="dialog-builds">
                        { for builds.iter().map(|b| html! { <li><span class="mono">{ describe(b) }</span><br/><span class="mono muted">{ b.build_rid.to_string() }</span></li> }) }
                    </ul>
                    <div class="actions">
                        <button type="button" class="button-danger" {onclick}>{ confirm_label }</button>
                        <button type="button" onclick={cancel} data-autofocus="">{ "Keep running" }</button>
                    </div>
                </Modal>
            }
        }
        Dialog::EditTags(build) => {
            let onsubmit = {
                let (build, input) = (build.clone(), input.clone());
                props.on_confirm.reform(move |e: SubmitEvent| {
                    e.prevent_default();
                    let text = input.cast::<HtmlInputElement>().map(|i| i.value()).unwrap_or_default();
                    (Kind::SetTags(parse_tags(&text)), vec![build.clone()])
                })
            };
            html! {
                <Modal title={format!("Tags of build #{}", build.run_id)} title_id="dialog-title" on_close={props.on_cancel.clone()}>
                    <form class="form" {onsubmit}>
                        <div class="field">
                            <label for="edit-tags">{ "Tags" }</label>
                            <input id="edit-tags" ref={input} type="text" value={build.tags.join(", ")}
                                autocomplete="off" aria-describedby="edit-tags-help" data-autofocus="" />
                            <p id="edit-tags-help" class="help">{ "Separate tags with commas. Leave empty to remove every tag." }</p>
                        </div>
                        <div class="actions">
                            <button type="submit" class="button-primary">{ "Save tags" }</button>
                            <button type="button" onclick={cancel}>{ "Cancel" }</button>
                        </div>
                    </form>
                </Modal>
            }
        }
        Dialog::BulkTag { builds, remove } => {
            let remove = *remove;
            let onsubmit = {
                let (builds, input) = (builds.clone(), input.clone());
                let on_confirm = props.on_confirm.clone();
                Callback::from(move |e: SubmitEvent| {
                    e.prevent_default();
                    let text = input.cast::<HtmlInputElement>().map(|i| i.value()).unwrap_or_default();
                    let tag = text.trim().to_owned();
                    if !tag.is_empty() {
                        let kind = if remove { Kind::RemoveTag(tag) } else { Kind::AddTag(tag) };
                        on_confirm.emit((kind, builds.clone()));
                    }
                })
            };
            let (title, button) = if remove {
                (format!("Remove a tag from {} builds", builds.len()), "Remove tag")
            } else {
                (format!("Add a tag to {} builds", builds.len()), "Add tag")
            };
            html! {
                <Modal title={title} title_id="dialog-title" on_close={props.on_cancel.clone()}>
                    <form class="form" {onsubmit}>
                        <div class="field">
                            <label for="bulk-tag">{ "Tag" }</label>
                            <input id="bulk-tag" ref={input} type="text" autocomplete="off" required=true data-autofocus="" />
                        </div>
                        <div class="actions">
                            <button type="submit" class="button-primary">{ button }</button>
                            <button type="button" onclick={cancel}>{ "Cancel" }</button>
                        </div>
                    </form>
                </Modal>
            }
        }
    }
}
