import { useEffect, useState } from "preact/hooks";
import type { CoreClient } from "./core-client";
import type { ApiError, Queries } from "./gen/api";

/** useLive follows a live query of the core; undefined until its first result. */
export function useLive<Q extends keyof Queries>(
  core: CoreClient,
  query: Q,
  args: Queries[Q]["args"],
  enabled = true,
): Queries[Q]["result"] | undefined {
  const [data, setData] = useState<Queries[Q]["result"] | undefined>(undefined);
  const key = JSON.stringify(args);
  useEffect(() => {
    if (!enabled) return;
    let stop: (() => void) | undefined;
    let gone = false;
    core
      .subscribe(query, args, (r) => {
        if ((r as { error?: ApiError }).error) {
          console.warn(`${query}:`, (r as { error: ApiError }).error.message);
          return;
        }
        setData(r as Queries[Q]["result"]);
      })
      .then((s) => (gone ? s() : (stop = s)))
      .catch((e: Error) => console.warn(`${query}:`, e.message));
    return () => {
      gone = true;
      stop?.();
    };
  }, [core, query, key, enabled]);
  return data;
}
