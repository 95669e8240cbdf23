// Checks the end-to-end tests share: axe-core's accessibility rules run in the page, and
// screenshots kept as test artifacts (web/e2e/artifacts, not committed).
import assert from "node:assert/strict";
import { mkdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const AXE = readFileSync(join(here, "..", "node_modules", "axe-core", "axe.min.js"), "utf8");
export const ARTIFACTS = join(here, "artifacts");

/** The two sizes every screen is checked at: a small phone and a desktop. */
export const SIZES = { phone: { width: 360, height: 740 }, desktop: { width: 1440, height: 900 } };

/**
 * assertAccessible runs axe-core on the page as it is and fails on any serious or critical
 * violation, naming the rule and the elements. The app's CSP forbids inline scripts, so axe is
 * evaluated through the DevTools protocol rather than added as a script tag.
 */
export async function assertAccessible(page, screen) {
  if (!(await page.evaluate(() => "axe" in window))) await page.evaluate(AXE);
  const { violations } = await page.evaluate(() => window.axe.run(document, { resultTypes: ["violations"] }));
  const bad = violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
  assert.deepEqual(bad, [], `${screen}: accessibility violations`);
}

/** shot saves a screenshot of the page under the artifacts folder. */
export async function shot(page, name) {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
}

/**
 * checkScreens checks the page at both sizes: axe-core, then a screenshot kept in
 * test-results/<name>-<size>.png (the whole page on the phone).
 */
export async function checkScreens(page, name) {
  mkdirSync("test-results", { recursive: true });
  for (const [size, viewport] of Object.entries(SIZES)) {
    await page.setViewportSize(viewport);
    await page.waitForTimeout(200); // the layout settles
    await assertAccessible(page, `${name} (${size})`);
    await page.screenshot({ path: `test-results/${name}-${size}.png`, fullPage: size === "phone" });
  }
  await page.setViewportSize(SIZES.desktop);
}
