import { useEffect, useState } from "preact/hooks";
import type { CoreClient } from "./core-client";
import type { ApiError, Queries } from "./gen/api";

// What could not be loaded: the live queries whose last answer was an error, so a screen
// never waits on "Loading…" in silence (LoadFailedBanner says why and offers to try again).
const failures = new Map<string, unknown>();
const listeners = new Set<() => void>();
let attempt = 0; // bumped by retryFailed: every live query subscribes again

function announce() {
  for (const l of listeners) l();
}

function setFailure(query: string, error: unknown) {
  if (error === null ? !failures.has(query) : failures.get(query) === error) return;
  if (error === null) failures.delete(query);
  else failures.set(query, error);
  announce();
}

/** retryFailed asks every live query again (after an error). */
export function retryFailed() {
  failures.clear();
  attempt++;
  announce();
}

/** useLiveFailures lists the live queries that failed, with their errors. */
export function useLiveFailures(): [string, unknown][] {
  const [, setTick] = useState(0);
  useEffect(() => {
    const l = () => setTick((n) => n + 1);
    listeners.add(l);
    return () => void listeners.delete(l);
  }, []);
  return [...failures];
}

/** useLive follows a live query of the core; undefined until its first result. */
export function useLive<Q extends keyof Queries>(
  core: CoreClient,
  query: Q,
  args: Queries[Q]["args"],
  enabled = true,
): Queries[Q]["result"] | undefined {
  const [data, setData] = useState<Queries[Q]["result"] | undefined>(undefined);
  const [round, setRound] = useState(attempt);
  const key = JSON.stringify(args);
  useEffect(() => {
    const l = () => setRound(attempt);
    listeners.add(l);
    return () => void listeners.delete(l);
  }, []);
  useEffect(() => {
    if (!enabled) return;
    let stop: (() => void) | undefined;
    let gone = false;
    core
      .subscribe(query, args, (r) => {
        if ((r as { error?: ApiError }).error) {
          setFailure(query, (r as { error: ApiError }).error);
          return;
        }
        setFailure(query, null);
        setData(r as Queries[Q]["result"]);
      })
      .then((s) => (gone ? s() : (stop = s)))
      .catch((e: unknown) => !gone && setFailure(query, e));
    return () => {
      gone = true;
      stop?.();
    };
  }, [core, query, key, enabled, round]);
  return data;
}
