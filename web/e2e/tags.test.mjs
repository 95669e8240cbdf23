// Tags against `make run`'s sandbox: a discussion is tagged from its header's picker (a new
// tag typed, then one of the user's tags ticked), with the keyboard; the chips show in the
// header and on the list's row; the list filters by tag; the settings rename a tag and
// delete it everywhere; a reload keeps the tags. The picker and the settings are checked by
// axe-core, light and dark, at 360×740 and 1440×900, with screenshots in test-results/.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { checkScreens, SIZES } from "./checks.mjs";
import { discussionItem as item, launch, onboardWithDemo, startSandbox } from "./harness.mjs";

let sandbox;
before(async () => {
  sandbox = await startSandbox({ tick: "600s" });
});
after(async () => {
  await sandbox?.stop();
});


/** chips are the tag chips inside a locator, as text. */
const chips = async (loc) => (await loc.getByTestId("tag-chip").allInnerTexts()).map((s) => s.trim());

test("tag a discussion, filter the list by tag, rename and delete a tag", async () => {
  const browser = await launch(SIZES.desktop, { locale: "en-US" });
  try {
    const page = await browser.context.newPage();
    const errors = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await onboardWithDemo(page, sandbox);
    await page.goto(`${sandbox.url}/#/`);
    await item(page, "Camille").waitFor({ timeout: 90000 });
    await item(page, "Chloé").waitFor({ timeout: 90000 });

    // Camille's discussion: the picker opens on its field; a new tag is typed and added.
    await item(page, "Camille").click();
    const view = page.getByTestId("discussion-view");
    await view.waitFor();
    const button = page.getByTestId("tag-button");
    await button.focus();
    await page.keyboard.press("Enter");
    assert.equal(await button.getAttribute("aria-expanded"), "true");
    assert.ok(await page.getByTestId("tag-new").evaluate((el) => el === document.activeElement), "the new tag's field has the focus");
    await page.keyboard.type("Projects");
    await page.keyboard.press("Enter");
    await page.locator('[data-testid="tag-option"][data-tag="Projects"]:checked').waitFor({ timeout: 10000 });
    await page.getByTestId("tag-new").fill("Family");
    await page.getByTestId("tag-create").click();
    await page.locator('[data-testid="tag-option"][data-tag="Family"]:checked').waitFor({ timeout: 10000 });
    assert.deepEqual(await chips(view.locator(".detail-head")), ["Family", "Projects"]);
    // An empty name is refused before it reaches the core; a name with a control character
    // is refused by the core, in the user's words.
    assert.ok(await page.getByTestId("tag-create").isDisabled(), "no tag without a name");
    await page.getByTestId("tag-new").fill("bad\u0007name");
    await page.getByTestId("tag-create").click();
    await page.getByTestId("tag-panel").locator(".error", { hasText: "control or invisible" }).waitFor({ timeout: 10000 });
    await page.getByTestId("tag-new").fill("");
    await checkScreens(page, "tags-picker");
    // Escape closes the picker and gives the focus back to its button.
    await page.getByTestId("tag-new").focus();
    await page.keyboard.press("Escape");
    await page.getByTestId("tag-panel").waitFor({ state: "detached" });
    assert.ok(await button.evaluate((el) => el === document.activeElement), "the focus is back on the Tags button");
    await view.waitFor(); // Escape in the picker did not close the discussion

    // Chloé's discussion gets the existing tag "Projects" by its checkbox; "t" opens the picker.
    await item(page, "Chloé").click();
    await page.locator("#discussion-title", { hasText: "Chloé" }).waitFor();
    await page.keyboard.press("t");
    await page.getByTestId("tag-panel").waitFor();
    await page.locator('[data-testid="tag-option"][data-tag="Projects"]').check();
    await page.locator('[data-testid="tag-option"][data-tag="Projects"]:checked').waitFor();
    await page.getByTestId("tag-done").click();

    // The rows carry their chips; the filter keeps the tagged discussions only.
    await page.goto(`${sandbox.url}/#/`);
    await item(page, "Camille").getByTestId("tag-chip").first().waitFor({ timeout: 10000 });
    assert.deepEqual(await chips(item(page, "Camille")), ["Family", "Projects"]);
    await page.getByTestId("filter-tag").selectOption("Projects");
    await page.locator('[data-testid="discussion-list"][data-total="2"]').waitFor({ timeout: 10000 });
    await page.getByTestId("filter-tag").selectOption("Family");
    await page.locator('[data-testid="discussion-list"][data-total="1"]').waitFor({ timeout: 10000 });
    await item(page, "Camille").waitFor();
    await page.getByTestId("filter-tag").selectOption("");

    // Settings: both tags with their counts; "Family" renamed, "Projects" deleted.
    await page.goto(`${sandbox.url}/#/settings`);
    const section = page.getByTestId("settings-tags");
    await section.locator('[data-testid="tag-row"][data-tag="Projects"]', { hasText: "2 discussions" }).waitFor({ timeout: 10000 });
    await section.scrollIntoViewIfNeeded();
    await checkScreens(page, "tags-settings");
    await section.locator('[data-testid="tag-row"][data-tag="Family"] [data-testid="tag-rename"]').click();
    await section.getByTestId("tag-rename-input").fill("Relatives");
    await section.getByTestId("tag-rename-input").press("Enter");
    await section.locator('[data-testid="tag-row"][data-tag="Relatives"]', { hasText: "1 discussion" }).waitFor({ timeout: 10000 });
    await section.locator('[data-testid="tag-row"][data-tag="Projects"] [data-testid="tag-delete"]').click();
    await section.getByTestId("tag-delete-confirm").waitFor();
    await checkScreens(page, "tags-delete");
    await section.getByTestId("tag-delete-confirm").click();
    await section.locator('[data-testid="tag-row"][data-tag="Projects"]').waitFor({ state: "detached", timeout: 10000 });

    await page.goto(`${sandbox.url}/#/`);
    await item(page, "Camille").getByTestId("tag-chip").first().waitFor({ timeout: 10000 });
    assert.deepEqual(await chips(item(page, "Camille")), ["Relatives"]);
    assert.deepEqual(await chips(item(page, "Chloé")), []);
    // After a reload (the vault locked again), the tag is still there: kept on the device.
    await page.reload();
    await item(page, "Camille").getByTestId("tag-chip").filter({ hasText: "Relatives" }).waitFor({ timeout: 30000 });
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});
