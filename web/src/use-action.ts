import { useState } from "preact/hooks";
import { CoreError } from "./core-client";

/** useAction runs one user action at a time: busy while it runs, its error in words after. */
export function useAction(): [string | null, boolean, (fn: () => Promise<unknown>) => Promise<void>] {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const run = async (fn: () => Promise<unknown>) => {
    setBusy(true);
    setError(null);
    try {
      await fn();
    } catch (e) {
      setError(e instanceof CoreError || e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };
  return [error, busy, run];
}
