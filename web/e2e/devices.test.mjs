// Two devices of one person, as two Chromium profiles (two IndexedDB databases, two cores),
// paired through the relay by the recovery phrase: device A adds the demo accounts and
// starts syncing; device B joins with the phrase and gets A's accounts (sealed in the sync
// log); a contact merge made on one appears on the other; both edit offline and converge;
// a reply queued on A is sent once although both devices run the account; a tag put on a
// discussion on A shows on B.
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import jsQR from "jsqr";
import { PNG } from "pngjs";
import { after, before, test } from "node:test";
import { discussionItem, launch, onboard, startSandbox } from "./harness.mjs";

const PASS = "correct horse battery staple";
let sandbox, a, b;
before(async () => {
  sandbox = await startSandbox({ tick: "600s" }); // a quiet sandbox: only what the test does
  a = await launch({ width: 1280, height: 860 }, { locale: "en-US" });
  b = await launch({ width: 1280, height: 860 }, { locale: "en-US" });
});
after(async () => {
  await a?.close();
  await b?.close();
  await sandbox?.stop();
});

async function start(browser, options) {
  const page = await browser.context.newPage();
  await onboard(page, sandbox, PASS, options);
  return page;
}

/** readQR decodes the QR code an element shows, from a screenshot of it. */
async function readQR(locator) {
  const png = PNG.sync.read(await locator.screenshot());
  const code = jsQR(new Uint8ClampedArray(png.data), png.width, png.height);
  assert.ok(code, "the QR code decodes");
  return code.data;
}

const call = (page, method, params) => page.evaluate(([m, p]) => window.caliopen.core.call(m, p), [method, params]);

/** query reads a live query's current result once. */
const query = (page, name, args) =>
  page.evaluate(
    ([q, a]) =>
      new Promise((resolve) => {
        let stop;
        window.caliopen.core
          .subscribe(q, a, (data) => {
            resolve(data);
            stop?.();
          })
          .then((s) => (stop = s));
      }),
    [name, args],
  );

/** tapiocaNetworks lists the networks of Tapioca's discussions on a device, e.g. ["email", "mastodon x"]. */
async function tapiocaNetworks(page) {
  const pageOf = await query(page, "discussions.page", { text: "Tapioca", limit: 20 });
  return pageOf.items.map((d) => [...d.networks].sort().join(" ")).sort();
}

/** health says how each account of a device is doing, for failure messages. */
async function health(page) {
  const { accounts } = await query(page, "accounts.list", {});
  return accounts.map((a) => `${a.network}:${a.health.state}${a.health.error ? `(${a.health.error})` : ""}${a.progress ? `[${a.progress.done}/${a.progress.total}]` : ""}`).join(" ");
}

async function eventually(what, fn, timeout = 60000) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last === true) return;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`${what}: ${last}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

test("two devices paired by phrase share accounts and contact merges, converge after offline edits, send once, and share tags", async () => {
  // Device A: demo accounts, then a sync space.
  const pa = await start(a);
  const [popup] = await Promise.all([pa.waitForEvent("popup"), pa.getByTestId("demo").locator("button").click()]);
  if (!popup.isClosed()) await popup.waitForEvent("close", { timeout: 90000 });
  await pa.goto(`${sandbox.url}/#/settings`);
  const syncA = pa.getByTestId("sync-settings");
  await syncA.waitFor({ timeout: 30000 });
  if (!(await syncA.evaluate((el) => el.open))) await syncA.locator("summary").click();
  await pa.getByTestId("sync-create").click();
  const phrase = (await pa.getByTestId("sync-phrase").innerText()).split(/\s+/).filter((w) => !/^\d+\.?$/.test(w)).join(" ");
  assert.equal(phrase.split(" ").length, 24, `a 24-word phrase: ${phrase}`);
  // The QR code opens the app with the pairing code shown beside it.
  const code = await pa.getByTestId("sync-code").innerText();
  const link = new URL(await readQR(pa.getByTestId("sync-qr")));
  assert.equal(link.origin, new URL(sandbox.url).origin);
  assert.equal(decodeURIComponent(link.hash.replace(/^#sync-code=/, "")), code);
  await syncA.locator('[data-testid="sync-secret"] button').click();
  await pa.locator('[data-testid="sync-settings"][data-state="connected"]').waitFor({ timeout: 60000 });
  // The same secret is shown again, for one more device, behind the passphrase.
  if (!(await syncA.evaluate((el) => el.open))) await syncA.locator("summary").first().click();
  const another = pa.getByTestId("sync-pair-another");
  await another.locator("summary").click();
  await another.locator("input").fill("correct horse battery staple");
  await another.locator("button").click();
  assert.equal(await pa.getByTestId("sync-code").innerText(), code);
  await syncA.locator('[data-testid="sync-secret"] button').click();

  // Device B opens the QR code's link: after its own vault and the relay, the app shows the
  // sync settings with the code filled in. It joins with the recovery phrase.
  const pb = await start(b, { fragment: link.hash.replace(/^#/, ""), next: "sync-settings" });
  const syncB = pb.getByTestId("sync-settings");
  assert.ok(await syncB.evaluate((el) => el.open), "the sync settings are open");
  assert.equal(await pb.getByTestId("sync-join-secret").inputValue(), code);
  await pb.getByTestId("sync-join-secret").fill(phrase);
  await pb.getByTestId("sync-join").click();
  await pb.locator('[data-testid="sync-settings"][data-state="connected"]').waitFor({ timeout: 60000 });

  // A's three accounts arrive on B, sealed in the log, and run there.
  for (const network of ["email", "mastodon", "x"]) {
    await pb.locator(`[data-testid="account"][data-network="${network}"]`).waitFor({ timeout: 90000 });
  }
  // B says it received all A wrote.
  const received = pb.locator('[data-testid="sync-received"][data-caught-up="true"]');
  await received.waitFor({ state: "attached", timeout: 30000 });
  assert.equal(await received.textContent(), "up to date");
  // Each network runs on B: Tapioca's mail and her DMs (merged by evidence) are there.
  await eventually(
    "B has Tapioca's discussions",
    async () => {
      const nets = await tapiocaNetworks(pb);
      return JSON.stringify(nets) === JSON.stringify(["email", "mastodon x"]) || `${JSON.stringify(nets)} ${await health(pb)}`;
    },
    90000,
  );

  // A merge on A (Tapioca's email with her Mastodon and X) appears on B.
  await call(pa, "contacts.link", { identities: ["email:tapioca@tapioca.example", "mastodon:tapioca@mamot.fr"] });
  for (const [name, page] of [
    ["A", pa],
    ["B", pb],
  ]) {
    await eventually(`${name} shows one Tapioca discussion on three networks`, async () => {
      const nets = await tapiocaNetworks(page);
      return (nets.length === 1 && nets[0] === "email mastodon x") || `${JSON.stringify(nets)} ${await health(page)}`;
    });
  }

  // Both offline: A splits the email out again, B links Léa's Mastodon with her email.
  await a.context.setOffline(true);
  await b.context.setOffline(true);
  const contactOf = async (page, uri) => {
    for (const d of (await query(page, "discussions.page", { text: "Tapioca", limit: 5 })).items) {
      for (const p of d.people) if (p.identities.includes(uri)) return p.contact;
    }
  };
  await call(pa, "contacts.split", { contact: await contactOf(pa, "email:tapioca@tapioca.example"), identities: ["email:tapioca@tapioca.example"] });
  await call(pb, "contacts.link", { identities: ["email:lea.moreau@framasoft.example", "mastodon:lea@framapiaf.example"] });
  // Offline, the changes wait in each device's queue.
  await new Promise((r) => setTimeout(r, 3000));
  for (const [name, page] of [
    ["A", pa],
    ["B", pb],
  ]) {
    const st = await query(page, "sync.status", {});
    assert.ok(st.pending > 0, `${name} holds its offline change: ${JSON.stringify(st)}`);
  }
  await a.context.setOffline(false);
  await b.context.setOffline(false);
  const state = async (page) => {
    const tap = await tapiocaNetworks(page);
    // Léa also appears in the mailing list's discussion: only her merged one is looked for.
    const lea = (await query(page, "discussions.page", { text: "Léa", limit: 5 })).items.some((d) => [...d.networks].sort().join(" ") === "email mastodon");
    return JSON.stringify({ tap, lea });
  };
  const want = JSON.stringify({ tap: ["email", "mastodon x"], lea: true });
  await eventually("A converges", async () => (await state(pa)) === want || (await state(pa)), 90000);
  await eventually("B converges", async () => (await state(pb)) === want || (await state(pb)), 90000);

  // A reply queued on A reaches B's outbox too; the claim in the log lets one device send it.
  const camille = (await query(pa, "discussions.page", { text: "Camille", limit: 5 })).items[0];
  const view = await query(pa, "discussion.messages", { key: camille.key });
  const parent = view?.messages?.at(-1)?.message?.id;
  assert.ok(parent, "Camille's last message");
  await call(pa, "message.reply", { messageId: parent, text: "Sent from device A only once" });
  // Camille answers every mail she receives: exactly one answer means one send.
  await eventually(
    "Camille answered once",
    async () => {
      const msgs = (await query(pa, "discussion.messages", { key: camille.key })).messages;
      const answers = msgs.filter((m) => /received/i.test(m.message.snippet || ""));
      return answers.length === 1 || `${answers.length} answers`;
    },
    90000,
  );
  await new Promise((r) => setTimeout(r, 8000)); // time for a second copy to arrive, if one were sent
  const msgs = (await query(pa, "discussion.messages", { key: camille.key })).messages;
  assert.equal(msgs.filter((m) => /received/i.test(m.message.snippet || "")).length, 1, "the reply was sent once");

  // A tag put on Camille's discussion on A, from its header's picker, shows on B's list.
  await pa.goto(`${sandbox.url}/#/d/${encodeURIComponent(camille.key)}`);
  await pa.getByTestId("tag-button").click();
  await pa.getByTestId("tag-new").fill("From A");
  await pa.getByTestId("tag-new").press("Enter");
  await pa.locator('[data-testid="discussion-view"] [data-testid="tag-chip"]', { hasText: "From A" }).waitFor({ timeout: 10000 });
  await pb.goto(`${sandbox.url}/#/`);
  await discussionItem(pb, "Camille").getByTestId("tag-chip").filter({ hasText: "From A" }).waitFor({ timeout: 60000 });
  const tagged = await query(pb, "discussions.page", { tag: "From A", limit: 5 });
  assert.deepEqual(
    tagged.items.map((d) => d.people.map((p) => p.name).join(", ")),
    [camille.people.map((p) => p.name).join(", ")],
    "B's list filtered by the tag keeps Camille's discussion alone",
  );

  mkdirSync("test-results", { recursive: true });
  await pb.screenshot({ path: "test-results/devices-b.png" });
});
