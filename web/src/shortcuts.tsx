// Keyboard shortcuts on desktop: j/k next and previous discussion, r reply, c write, / search,
// e archive, u mark unread, # (or Delete) delete, s star, ? this help, Escape to close. They
// stay out of the way while typing in a field.
import { useEffect, useRef } from "preact/hooks";
import { useI18n } from "./i18n";

export interface ShortcutActions {
  move(delta: 1 | -1): void;
  reply(): void;
  compose(): void;
  search(): void;
  /** act presses one of the open discussion's actions (its toolbar button's test id). */
  act(action: "archive" | "mark-unread" | "delete" | "star" | "tag-button"): void;
  help(): void;
  escape(): void;
}

function typing(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  return !!el && (el.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(el.tagName));
}

export function useShortcuts(actions: ShortcutActions): void {
  const ref = useRef(actions);
  ref.current = actions;
  useEffect(() => {
    const on = (e: KeyboardEvent) => {
      if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return;
      const a = ref.current;
      if (e.key === "Escape") return a.escape();
      if (typing(e.target)) return;
      const act: Record<string, () => void> = {
        j: () => a.move(1),
        k: () => a.move(-1),
        r: a.reply,
        c: a.compose,
        "/": a.search,
        e: () => a.act("archive"),
        u: () => a.act("mark-unread"),
        "#": () => a.act("delete"),
        Delete: () => a.act("delete"),
        s: () => a.act("star"),
        t: () => a.act("tag-button"),
        "?": a.help,
      };
      const fn = act[e.key];
      if (fn) {
        e.preventDefault();
        fn();
      }
    };
    document.addEventListener("keydown", on);
    return () => document.removeEventListener("keydown", on);
  }, []);
}

/** Help lists the shortcuts in a modal dialog. */
export function Help({ onClose }: { onClose: () => void }) {
  const { t } = useI18n();
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal();
  }, []);
  const rows: [string, string][] = [
    ["j", t.help.next],
    ["k", t.help.previous],
    ["r", t.help.reply],
    ["c", t.help.compose],
    ["/", t.help.search],
    ["e", t.help.archive],
    ["u", t.help.unread],
    ["#", t.help.delete],
    ["s", t.help.star],
    ["t", t.help.tag],
    ["?", t.help.help],
    ["Esc", t.help.escape],
  ];
  return (
    <dialog ref={ref} class="help" data-testid="help" aria-labelledby="help-title" onClose={onClose}>
      <h2 id="help-title">{t.help.title}</h2>
      <dl class="keys">
        {rows.map(([k, what]) => (
          <div key={k}>
            <dt>
              <kbd>{k}</kbd>
            </dt>
            <dd>{what}</dd>
          </div>
        ))}
      </dl>
      <form method="dialog">
        <button class="primary">{t.app.close}</button>
      </form>
    </dialog>
  );
}
