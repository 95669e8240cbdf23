// Reading and writing against `make run`'s sandbox: the HTML newsletter in its sandboxed frame
// (its script never runs, its tracking pixel is not fetched until the user shows remote
// content, for the message or for its sender, and the privacy badge says so either way), Camille's encrypted mail with its
// attachment downloaded decrypted, a colleague's slides fetched from the mail server only when
// opened, her first (signed) mail read as signed by a known key,
// her encrypted answer signed by her known key with its grade and keys factor (and the user,
// who has a key, not told to make one), a new message whose channel picker explains itself (an
// encrypted email to Camille with an attachment and a draft, attachment included, that
// survives leaving the composer; an X message to Tapioca), and a reply written offline that waits in the outbox
// and goes out when the network returns — each answered by the sandbox's people. Every
// screen is checked by axe-core at 360×740 and 1440×900, with screenshots in test-results/.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, test } from "node:test";
import { checkScreens, SIZES } from "./checks.mjs";
import { launch, onboardWithDemo, startSandbox, waitConnected } from "./harness.mjs";

let sandbox;
before(async () => {
  sandbox = await startSandbox({ tick: "30s" });
});
after(async () => {
  await sandbox?.stop();
});

const PIXEL = "pixel.bulkmailer.example";
const GIF = Buffer.from("R0lGODlhAQABAAAAACH5BAEAAAAALAAAAAABAAEAAAIBAAA=", "base64");


/** openDiscussion finds a discussion by what the search box finds and opens it. */
async function openDiscussion(page, search, hasText) {
  await page.goto(`${sandbox.url}/#/`);
  await page.locator("#search").fill(search);
  const item = page.getByTestId("discussion-item").filter({ hasText }).first();
  await item.waitFor({ timeout: 60000 });
  await item.click();
  await page.getByTestId("discussion-view").waitFor();
}

test("reading, writing and the outbox against the sandbox", async () => {
  const browser = await launch(SIZES.desktop);
  try {
    const page = await browser.context.newPage();
    const errors = [];
    page.on("pageerror", (e) => errors.push(e.message));
    const requests = [];
    page.on("request", (r) => requests.push(r.url()));
    // The newsletter's remote hosts do not exist: the browser is answered here, once allowed.
    await browser.context.route(/bubble(-weekly)?\.example|bulkmailer\.example/, (route) =>
      route.fulfill({ status: 200, contentType: "image/gif", body: GIF }),
    );
    await onboardWithDemo(page, sandbox);
    await waitConnected(page, sandbox);

    // The newsletter: HTML in a frame with no scripts and an opaque origin.
    await openDiscussion(page, "Bubble", "Bubble Weekly");
    const last = page.getByTestId("message").last();
    const frame = last.getByTestId("html-frame");
    await frame.waitFor({ timeout: 30000 });
    assert.equal(await frame.getAttribute("sandbox"), "allow-popups allow-popups-to-escape-sandbox");
    const srcdoc = await frame.getAttribute("srcdoc");
    assert.match(srcdoc, /Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'/);
    assert.doesNotMatch(srcdoc, /<script/i);
    assert.match(srcdoc, /data-remote-src="https:\/\/pixel\.bulkmailer\.example/);
    // In the browser: the frame has an opaque origin (no allow-same-origin: it can reach
    // nothing of the app's) and holds no script; its text is the newsletter's.
    const inner = await (await frame.elementHandle()).contentFrame();
    assert.ok(inner, "the mail's frame");
    await inner.waitForLoadState(); // its document is the srcdoc once loaded
    assert.equal(inner.url(), "about:srcdoc");
    await inner.locator("h1").waitFor();
    assert.deepEqual(await inner.evaluate(() => [window.origin, document.scripts.length, document.title]), ["null", 0, ""]);
    assert.deepEqual(
      requests.filter((u) => u.includes(PIXEL) || u.includes("bubble-weekly.example")),
      [],
      "a remote load before it was allowed",
    );
    // The badge says the trackers are blocked, and the notice offers to show them.
    const badge = last.getByTestId("privacy");
    await badge.locator("summary").click();
    await badge.getByText(/trackers? found/).waitFor();
    await badge.getByText(/remote loads? held back/).waitFor();
    await last.getByTestId("remote-blocked").waitFor();
    await checkScreens(page, "content-newsletter");

    const pixel = page.waitForRequest((r) => r.url().includes(PIXEL), { timeout: 20000 });
    await last.getByTestId("show-remote").click();
    await pixel;
    await last.getByTestId("remote-shown").waitFor();
    assert.match(await last.getByTestId("html-frame").getAttribute("srcdoc"), /img-src data: https:\/\/bubble-weekly\.example https:\/\/pixel\.bulkmailer\.example/);
    await last.getByTestId("privacy").getByText(/Remote content was loaded/).waitFor({ timeout: 10000 });
    // The issue before it: remote content allowed for the sender, for this mail and the next;
    // the settings list the sender, and stopping there forgets them.
    const previous = page.getByTestId("message").nth(-2);
    if ((await previous.getAttribute("data-open")) !== "true") await previous.getByTestId("expand").click();
    await previous.getByTestId("show-remote-sender").click();
    await previous.locator('[data-testid="remote-shown"][data-sender="news@bubble-weekly.example"]').waitFor({ timeout: 10000 });
    await page.goto(`${sandbox.url}/#/settings`);
    const trusted = page.getByTestId("settings-remote").getByTestId("remote-sender");
    await trusted.waitFor({ timeout: 10000 });
    assert.match(await trusted.innerText(), /news@bubble-weekly\.example/);
    await trusted.getByRole("button").click();
    await trusted.waitFor({ state: "detached", timeout: 10000 });

    // Camille's encrypted mail: its attachment comes decrypted, with its name.
    await openDiscussion(page, "Camille", "Camille");
    const figures = page.getByTestId("message").filter({ hasText: "confidential figures" }).first();
    if ((await figures.getAttribute("data-open")) !== "true") await figures.getByTestId("expand").click();
    await figures.getByTestId("body-text").waitFor();
    assert.match(await figures.getByTestId("body-text").innerText(), /Please don't forward/);
    const [download] = await Promise.all([page.waitForEvent("download"), figures.getByTestId("attachment").getByRole("button").click()]);
    assert.equal(download.suggestedFilename(), "q3-figures.csv");
    assert.match(readFileSync(await download.path(), "utf8"), /quarter,revenue,margin/);
    await checkScreens(page, "content-encrypted-attachment");
    // Her first mail, signed only, brought her key (which her Web Key Directory publishes
    // too): it reads signed by a known key, as her later ones.
    const draft = page.getByTestId("message").filter({ hasText: "draft of the quarterly report is ready" }).first();
    await draft.locator('[data-testid="security"][data-signature="good-known"]').waitFor({ timeout: 30000 });
    assert.match(await draft.getByTestId("security").innerText(), /^Signed by a known key/);
    // Léa's slides: the first sync left the file on the mail server; opening it fetches it,
    // through the relay, whole.
    await openDiscussion(page, "Slides", "Léa");
    const slides = page.getByTestId("message").filter({ hasText: "slides for Thursday" }).first();
    if ((await slides.getAttribute("data-open")) !== "true") await slides.getByTestId("expand").click();
    const file = slides.getByTestId("attachment");
    await file.waitFor();
    assert.match(await file.innerText(), /slides-thursday\.pdf/);
    const [pdf] = await Promise.all([page.waitForEvent("download"), file.getByRole("button").click()]);
    assert.equal(pdf.suggestedFilename(), "slides-thursday.pdf");
    const slidesData = readFileSync(await pdf.path());
    assert.equal(slidesData.length, 48 * 1024);
    assert.equal(slidesData.subarray(0, 9).toString(), "%PDF-1.4\n");
    assert.equal(slidesData.subarray(-6).toString(), "%%EOF\n");

    // A new message (the c shortcut): Camille picked from the people known, encrypted email
    // first and why; the draft is sealed to the user's own key and comes back.
    await page.goto(`${sandbox.url}/#/`);
    await page.locator("body").click({ position: { x: 5, y: 300 } });
    await page.keyboard.press("c");
    const compose = page.getByTestId("compose");
    await compose.waitFor();
    await page.getByTestId("compose-to").fill("Camil");
    await page.getByTestId("suggestion").filter({ hasText: "Camille" }).first().click();
    const first = page.getByTestId("channel").first();
    await first.waitFor({ timeout: 30000 });
    assert.equal(await first.getAttribute("data-network"), "email");
    assert.equal(await first.getAttribute("data-encrypted"), "true");
    assert.match(await first.innerText(), /Email, encrypted: Camille Durand.s key is known/);
    await page.getByTestId("compose-subject").fill("Numbers for Q4");
    await page.getByTestId("compose-text").fill("Here are my numbers, for your eyes only.");
    await page.getByTestId("compose-files").setInputFiles({ name: "q4.csv", mimeType: "text/csv", buffer: Buffer.from("q4,1.5M\n") });
    await page.locator('[data-testid="draft-saved"][data-sealed="pgp"][data-files="1"]').waitFor({ timeout: 10000 });
    await checkScreens(page, "content-compose");
    await page.goto(`${sandbox.url}/#/`);
    await page.goto(`${sandbox.url}/#/compose`);
    await page.getByTestId("recipient").filter({ hasText: "Camille" }).waitFor({ timeout: 10000 });
    assert.equal(await page.getByTestId("compose-text").inputValue(), "Here are my numbers, for your eyes only.");
    assert.equal(await page.getByTestId("compose-subject").inputValue(), "Numbers for Q4");
    assert.match(await page.getByTestId("compose-attachments").innerText(), /q4\.csv/, "the attachment comes back with the draft");
    await page.getByTestId("channel").first().waitFor();
    await page.getByTestId("compose-send").click();
    await page.getByTestId("compose-queued").waitFor({ timeout: 30000 });
    // Camille answers, encrypted since the mail carried the user's key, and signed by her key,
    // known by now: the badge says so, and the answer's privacy index grades it with her key
    // counted in its keys factor.
    await openDiscussion(page, "Camille", "Camille");
    const answer = page.getByTestId("message").filter({ hasText: "so this answer is encrypted" }).first();
    await answer.waitFor({ timeout: 90000 });
    const security = answer.getByTestId("security");
    assert.equal(await security.getAttribute("data-encrypted"), "true");
    assert.equal(await security.getAttribute("data-signature"), "good-known");
    assert.equal(await security.getAttribute("data-claimed-from"), "");
    assert.match(await security.innerText(), /^Encrypted · Signed by a known key$/);
    const graded = answer.getByTestId("privacy");
    assert.match(await graded.getAttribute("data-grade"), /^[AB]$/);
    await graded.locator("summary").click();
    const keysFactor = graded.locator('[data-factor="keys"]');
    assert.match(await keysFactor.innerText(), /^(6|10)\/10 Camille Durand.s key is (known but not verified|verified)\./);
    await checkScreens(page, "content-encrypted-signed-answer");
    // The user has a key: their own index counts it and no longer asks them to make one.
    await page.goto(`${sandbox.url}/#/`);
    const mine = page.getByTestId("user-privacy");
    await mine.locator("summary").click();
    assert.doesNotMatch(await mine.innerText(), /Create your OpenPGP key/);
    await page.goto(`${sandbox.url}/#/settings`);
    await page.getByTestId("keys").locator("summary").click();
    await page.getByTestId("own-key").first().waitFor({ timeout: 10000 });
    assert.equal(await page.getByRole("button", { name: /^Make a key for/ }).count(), 0);

    // An X message to Tapioca, who answers on X: the picker says what each network exposes.
    await page.goto(`${sandbox.url}/#/compose`);
    await page.getByTestId("compose-to").fill("Tapio");
    await page.getByTestId("suggestion").filter({ hasText: "@Tapioca42" }).first().click();
    const x = page.locator('[data-testid="channel"][data-network="x"]');
    await x.waitFor({ timeout: 30000 });
    assert.match(await x.innerText(), /X direct message: readable by X/);
    assert.match(await page.locator('[data-testid="channel"][data-network="mastodon"]').innerText(), /readable by the admins of mamot\.fr/);
    await x.locator("input").check();
    await page.getByTestId("compose-text").fill("Hello from the new message screen");
    await page.getByTestId("compose-send").click();
    await page.getByTestId("compose-queued").waitFor({ timeout: 30000 });
    await openDiscussion(page, "Tapioca", "Tapioca");
    await page.getByTestId("message").filter({ hasText: "Hello from the new message screen" }).first().waitFor({ timeout: 60000 });
    await page.getByTestId("message").filter({ hasText: "Noted! Talk soon." }).first().waitFor({ timeout: 60000 });

    // Offline: the reply waits in the outbox, then goes out when the network returns. It is an
    // email (each send opens its own connection through the relay; a DM could ride on a
    // connection opened before going offline, which the browser's offline mode may leave up).
    await openDiscussion(page, "Camille", "Camille");
    await browser.context.setOffline(true);
    await page.locator('[data-testid="offline-banner"][data-why="offline"]').waitFor({ timeout: 10000 });
    await page.locator("#reply-text").fill("Written offline, sent later");
    await page.getByTestId("reply-files").setInputFiles({ name: "offline-notes.txt", mimeType: "text/plain", buffer: Buffer.from("notes\n") });
    await page.getByTestId("reply-attachments").waitFor();
    await page.getByTestId("reply").getByRole("button", { name: /send/i }).click();
    await page.getByTestId("reply-queued").waitFor({ timeout: 30000 });
    await page.getByTestId("outbox-chip").waitFor({ timeout: 10000 });
    await page.getByTestId("outbox-chip").click();
    // The reply is encrypted to Camille: the outbox shows it as such, not its text.
    const waiting = page.locator('[data-testid="outbox-item"]:not([data-state="sent"])').first();
    await waiting.waitFor();
    await checkScreens(page, "content-outbox-offline");
    await browser.context.setOffline(false);
    const deadline = Date.now() + 120000;
    while ((await page.locator('[data-testid="outbox-item"]:not([data-state="sent"])').count()) > 0) {
      assert.ok(Date.now() < deadline, "the offline reply went out once the network returned");
      await new Promise((r) => setTimeout(r, 500));
    }
    await checkScreens(page, "content-outbox-sent");
    await openDiscussion(page, "Camille", "Camille");
    const offline = page.getByTestId("message").filter({ hasText: "Written offline, sent later" }).first();
    await offline.waitFor({ timeout: 60000 });
    // Its attachment went with it, inside the encryption, and reads back from the Sent copy.
    if ((await offline.getAttribute("data-open")) !== "true") await offline.getByTestId("expand").click();
    await offline.getByTestId("attachment").filter({ hasText: "offline-notes.txt" }).waitFor({ timeout: 30000 });

    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});
