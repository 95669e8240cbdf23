import { useState } from "preact/hooks";
import { useI18n } from "./i18n";

/** useAction runs one user action at a time: busy while it runs, its error in the user's language after. */
export function useAction(): [string | null, boolean, (fn: () => Promise<unknown>) => Promise<void>] {
  const i18n = useI18n();
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const run = async (fn: () => Promise<unknown>) => {
    setBusy(true);
    setError(null);
    try {
      await fn();
    } catch (e) {
      setError(e ?? "error");
    } finally {
      setBusy(false);
    }
  };
  return [error === null ? null : i18n.error(error), busy, run];
}
