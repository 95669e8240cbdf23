// People's pictures. A picture is remote content: the page never loads it from Mastodon's
// or X's hosts; it asks the core, which fetches it once (Mastodon from the instance, X
// through the relay) and keeps it on this device. Until then, or without one, the person's
// initial shows.
import { useEffect, useState } from "preact/hooks";
import type { CoreClient } from "./core-client";
import { base64Bytes } from "./message-body";

/** The pictures asked for in this session: each an object URL, or null (none, or not now). */
const asked = new Map<string, Promise<string | null>>();
/** How long "no picture" is believed before asking the core again (an account may connect). */
const RETRY_MS = 60_000;

function pictureOf(core: CoreClient, uri: string): Promise<string | null> {
  const known = asked.get(uri);
  if (known) return known;
  const url = core
    .call("identities.avatar", { uri })
    .then((v) => {
      if (!v.data || !v.contentType) {
        setTimeout(() => asked.delete(uri), RETRY_MS);
        return null;
      }
      return URL.createObjectURL(new Blob([base64Bytes(v.data)], { type: v.contentType }));
    })
    .catch(() => {
      setTimeout(() => asked.delete(uri), RETRY_MS);
      return null;
    });
  asked.set(uri, url);
  return url;
}

/** usePicture is the object URL of an identity's picture, or null. */
function usePicture(core: CoreClient, uri: string | undefined): string | null {
  const [url, setUrl] = useState<string | null>(null);
  useEffect(() => {
    setUrl(null);
    if (!uri) return;
    let gone = false;
    void pictureOf(core, uri).then((u) => !gone && setUrl(u));
    return () => {
      gone = true;
    };
  }, [core, uri]);
  return url;
}

/** initial is the first letter of a name, for a person without a picture. */
export function initial(name: string): string {
  return (Array.from(name.trim())[0] ?? "?").toUpperCase();
}

/** Avatar shows a person's picture (the identity named by uri), else their initial. It is
 * decorative: the person's name is always written next to it. */
export function Avatar({ core, uri, name }: { core: CoreClient; uri?: string; name: string }) {
  const url = usePicture(core, uri);
  return (
    <span class="avatar" aria-hidden="true" data-testid="avatar" data-picture={url ? "yes" : "no"}>
      {url ? <img src={url} alt="" width={40} height={40} /> : initial(name)}
    </span>
  );
}
