import { putJson } from "../api.js";
import { h } from "../format.js";

/** The note stored under a study system attribute (see src/server/study-notes.ts), or version 0. */
export function noteOf(systemAttrs, key) {
  const v = systemAttrs?.[key];
  return v && typeof v === "object" && typeof v.version === "number" && typeof v.text === "string" ? v : { version: 0, text: "" };
}

/**
 * A note field (of a study or a trial): shows the note as plain text, follows the feed,
 * and saves edits with the version they started from, so a concurrent save is reported
 * (with the other text) instead of being overwritten.
 */
export class NoteEditor {
  constructor(path, testid) {
    this.path = path;
    this.base = { version: 0, text: "" };
    this.editing = false;
    this.text = h("div", { class: "note-text", "data-testid": `${testid}-text` });
    this.editButton = h("button", { type: "button", "data-testid": `${testid}-edit`, onclick: () => this.#edit() }, "edit");
    this.area = h("textarea", { rows: 5, "aria-label": "note", "data-testid": `${testid}-input`, hidden: true });
    this.saveButton = h("button", { type: "button", "data-testid": `${testid}-save`, hidden: true, onclick: () => this.#save() }, "save");
    this.cancelButton = h("button", { type: "button", hidden: true, onclick: () => this.#stop() }, "cancel");
    this.status = h("p", { class: "muted note-status", "data-testid": `${testid}-status` });
    this.conflict = h("div", { class: "note-text note-conflict", "data-testid": `${testid}-conflict`, hidden: true });
    this.el = h(
      "div",
      { class: "note", "data-testid": testid },
      h("div", { class: "note-head" }, h("h3", {}, "Note"), this.editButton, this.saveButton, this.cancelButton),
      this.text,
      this.area,
      this.conflict,
      this.status,
    );
    this.#show();
  }

  /** The stored note, from the feed (shown unless the user is editing). */
  update(note) {
    if (note.version === this.base.version && note.text === this.base.text) return;
    if (!this.editing) {
      this.base = note;
      this.#show();
    } else if (note.version !== this.base.version) {
      this.status.textContent = `saved elsewhere meanwhile (version ${note.version}); saving will report it`;
    }
  }

  #show() {
    // Text only, never HTML: a note may hold anything.
    this.text.textContent = this.base.text;
    this.text.classList.toggle("muted", this.base.text === "");
    if (this.base.text === "") this.text.textContent = "no note";
  }

  #edit() {
    this.editing = true;
    this.area.value = this.base.text;
    this.area.hidden = this.saveButton.hidden = this.cancelButton.hidden = false;
    this.editButton.hidden = this.text.hidden = true;
    this.status.textContent = "";
    this.area.focus();
  }

  #stop() {
    this.editing = false;
    this.area.hidden = this.saveButton.hidden = this.cancelButton.hidden = this.conflict.hidden = true;
    this.editButton.hidden = this.text.hidden = false;
    this.#show();
  }

  async #save() {
    this.saveButton.disabled = true;
    this.status.textContent = "saving…";
    try {
      const { status, body } = await putJson(this.path, { text: this.area.value, baseVersion: this.base.version });
      if (status === 200) {
        this.base = body.note;
        this.status.textContent = `saved (version ${body.note.version})`;
        this.#stop();
      } else if (status === 409 && body.note) {
        // Keep the user's text; show theirs; a second save replaces it knowingly.
        this.base = body.note;
        this.conflict.hidden = false;
        this.conflict.textContent = body.note.text;
        this.status.textContent = `Someone else saved this note meanwhile (version ${body.note.version}, shown below). Your text is kept; save again to replace theirs.`;
      } else {
        this.status.textContent = body?.error ?? `error ${status}`;
      }
    } catch (e) {
      this.status.textContent = e.message;
    } finally {
      this.saveButton.disabled = false;
    }
  }
}
