// The user's tags (wasm/app/tags.go): chips on a discussion, a picker to add and remove them,
// and a settings section to rename and delete them everywhere.
import { useEffect, useRef, useState } from "preact/hooks";
import type { CoreClient } from "./core-client";
import { useI18n } from "./i18n";
import { useLive } from "./live";
import { useAction } from "./use-action";
import "./tags.css";

/** TagChips shows a discussion's tags. */
export function TagChips({ tags }: { tags?: string[] }) {
  const { t } = useI18n();
  if (!tags || tags.length === 0) return null;
  return (
    <ul class="tag-chips" aria-label={t.tags.label} data-testid="tag-chips">
      {tags.map((name) => (
        <li key={name} class="tag-chip" data-testid="tag-chip">
          {name}
        </li>
      ))}
    </ul>
  );
}

/**
 * TagPicker adds tags to a discussion and removes them: a button opens a panel with the
 * user's tags as checkboxes and a field to create a new one. Escape closes it and gives the
 * focus back to the button.
 */
export function TagPicker({ core, discussionKey, tags }: { core: CoreClient; discussionKey: string; tags: string[] }) {
  const { t } = useI18n();
  const [open, setOpen] = useState(false);
  const [name, setName] = useState("");
  const [error, busy, run] = useAction();
  const all = useLive(core, "tags.list", {}, open);
  const button = useRef<HTMLButtonElement>(null);
  const field = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (open) field.current?.focus();
  }, [open]);
  const close = () => {
    setOpen(false);
    button.current?.focus();
  };
  // A ticked box shows its new state at once, until the discussion's tags follow (or the
  // change fails).
  const [want, setWant] = useState<Record<string, boolean>>({});
  useEffect(() => setWant({}), [tags.join("\n")]);
  const change = async (add: string[], remove: string[]) => {
    let done = false;
    await run(async () => {
      await core.call("tags.change", { key: discussionKey, add, remove });
      done = true;
    });
    if (!done) setWant({});
    return done;
  };
  const tick = (n: string, on: boolean) => {
    setWant({ ...want, [n]: on });
    void (on ? change([n], []) : change([], [n]));
  };
  // The user's tags, and those of this discussion not listed yet (the list follows).
  const names = [...new Set([...(all?.items.map((i) => i.name) ?? []), ...tags])].sort((a, b) => a.localeCompare(b));
  return (
    <div class="tag-picker">
      <button
        ref={button}
        type="button"
        class="action"
        data-testid="tag-button"
        aria-expanded={open}
        aria-controls="tag-panel"
        aria-keyshortcuts="t"
        onClick={() => (open ? close() : setOpen(true))}
      >
        <span aria-hidden="true">#</span> {t.tags.button}
      </button>
      {open && (
        <div
          id="tag-panel"
          class="tag-panel card"
          role="group"
          aria-label={t.tags.panel}
          data-testid="tag-panel"
          onKeyDown={(e) => {
            if (e.key === "Escape") {
              e.preventDefault();
              e.stopPropagation();
              close();
            }
          }}
        >
          <form
            class="tag-new"
            onSubmit={(e) => {
              e.preventDefault();
              const submitted = name;
              if (!submitted.trim()) return;
              // Emptied once added, unless the user typed on meanwhile.
              void change([submitted], []).then((done) => done && setName((cur) => (cur === submitted ? "" : cur)));
            }}
          >
            <label>
              <span class="visually-hidden">{t.tags.newLabel}</span>
              <input
                ref={field}
                type="text"
                data-testid="tag-new"
                placeholder={t.tags.newPlaceholder}
                maxLength={40}
                value={name}
                onInput={(e) => setName(e.currentTarget.value)}
              />
            </label>
            <button type="submit" class="secondary" data-testid="tag-create" disabled={busy || !name.trim()}>
              {t.tags.add}
            </button>
          </form>
          {names.length > 0 ? (
            <ul class="tag-options">
              {names.map((n) => (
                <li key={n}>
                  <label class="toggle">
                    <input
                      type="checkbox"
                      data-testid="tag-option"
                      data-tag={n}
                      checked={want[n] ?? tags.includes(n)}
                      disabled={busy}
                      onChange={(e) => tick(n, e.currentTarget.checked)}
                    />
                    {n}
                  </label>
                </li>
              ))}
            </ul>
          ) : (
            <p class="muted">{t.tags.none}</p>
          )}
          {error && (
            <p class="error" role="alert">
              {error}
            </p>
          )}
          <button type="button" class="secondary" data-testid="tag-done" onClick={close}>
            {t.tags.done}
          </button>
        </div>
      )}
    </div>
  );
}

/** TagsSettings lists the user's tags with their number of discussions, to rename or delete them. */
export function TagsSettings({ core }: { core: CoreClient }) {
  const { t } = useI18n();
  const tags = useLive(core, "tags.list", {});
  return (
    <section class="card setup tags-settings" aria-labelledby="tags-title" data-testid="settings-tags">
      <h2 id="tags-title">{t.tags.title}</h2>
      {!tags ? (
        <p class="muted">{t.list.loading}</p>
      ) : tags.items.length === 0 ? (
        <p class="muted" data-testid="tags-none">
          {t.tags.noneYet}
        </p>
      ) : (
        <ul class="tag-rows">
          {tags.items.map((tag) => (
            <TagRow key={tag.name} core={core} name={tag.name} count={tag.count} />
          ))}
        </ul>
      )}
    </section>
  );
}

function TagRow({ core, name, count }: { core: CoreClient; name: string; count: number }) {
  const { t } = useI18n();
  const [mode, setMode] = useState<"" | "rename" | "delete">("");
  const [to, setTo] = useState(name);
  const [error, busy, run] = useAction();
  return (
    <li class="tag-row" data-testid="tag-row" data-tag={name}>
      {mode === "rename" ? (
        <form
          class="tag-rename"
          onSubmit={(e) => {
            e.preventDefault();
            void run(async () => {
              await core.call("tags.rename", { from: name, to });
              setMode("");
            });
          }}
        >
          <label>
            <span class="visually-hidden">{t.tags.renameLabel(name)}</span>
            <input type="text" data-testid="tag-rename-input" maxLength={40} value={to} onInput={(e) => setTo(e.currentTarget.value)} />
          </label>
          <button type="submit" class="secondary" data-testid="tag-rename-save" disabled={busy}>
            {t.tags.save}
          </button>
          <button type="button" class="secondary" onClick={() => setMode("")}>
            {t.tags.cancel}
          </button>
        </form>
      ) : (
        <>
          <span class="tag-chip">{name}</span>
          <span class="muted">{t.tags.count(count)}</span>
          {mode === "delete" ? (
            <span class="tag-confirm" role="group" aria-label={t.tags.confirmDelete(name, count)}>
              <span>{t.tags.confirmDelete(name, count)}</span>
              <button type="button" class="secondary" data-testid="tag-delete-confirm" disabled={busy} onClick={() => run(() => core.call("tags.delete", { name }))}>
                {t.tags.delete}
              </button>
              <button type="button" class="secondary" onClick={() => setMode("")}>
                {t.tags.cancel}
              </button>
            </span>
          ) : (
            <span class="tag-row-actions">
              <button
                type="button"
                class="secondary"
                data-testid="tag-rename"
                aria-label={t.tags.renameLabel(name)}
                onClick={() => {
                  setTo(name);
                  setMode("rename");
                }}
              >
                {t.tags.rename}
              </button>
              <button type="button" class="secondary" data-testid="tag-delete" aria-label={t.tags.deleteLabel(name)} onClick={() => setMode("delete")}>
                {t.tags.delete}
              </button>
            </span>
          )}
        </>
      )}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </li>
  );
}
