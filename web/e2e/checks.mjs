// Checks the end-to-end tests share: axe-core's accessibility rules and the touch-target size
// run in the page, and screenshots kept as test artifacts (web/test-results, not committed).
import assert from "node:assert/strict";
import { mkdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const AXE = readFileSync(join(here, "..", "node_modules", "axe-core", "axe.min.js"), "utf8");
/** Where screenshots are kept: web/test-results. */
export const RESULTS = join(here, "..", "test-results");

/** The two sizes every screen is checked at: a small phone and a desktop. */
export const SIZES = { phone: { width: 360, height: 740 }, desktop: { width: 1440, height: 900 } };

/** The smallest touch target, in CSS pixels, on both sides. */
export const TOUCH = 44;

/**
 * assertAccessible runs axe-core on the page as it is and fails on any serious or critical
 * violation, naming the rule and the elements; then checks every control is a touch target of
 * 44×44 px at least (assertTouchTargets). The app's CSP forbids inline scripts, so axe is
 * evaluated through the DevTools protocol rather than added as a script tag.
 */
export async function assertAccessible(page, screen) {
  if (!(await page.evaluate(() => "axe" in window))) await page.evaluate(AXE);
  const { violations } = await page.evaluate(() => window.axe.run(document, { resultTypes: ["violations"] }));
  const bad = violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
  assert.deepEqual(bad, [], `${screen}: accessibility violations`);
  await assertTouchTargets(page, screen);
}

/**
 * smallTargets lists the page's visible controls smaller than TOUCH px on a side: buttons,
 * links, fields, menus, disclosure summaries, anything focusable; a checkbox or radio button
 * is measured with its label (the label is what a finger presses). A link inside a sentence is
 * exempt (WCAG 2.5.5's inline exception), as is what a mail's own HTML shows in its frame.
 */
export function smallTargets(page) {
  return page.evaluate((min) => {
    const controls = document.querySelectorAll(
      "button, a[href], select, textarea, summary, input:not([type=hidden]), [role=button], [tabindex]:not([tabindex='-1'])",
    );
    const inSentence = (el) =>
      el.tagName === "A" &&
      [...el.parentElement.childNodes].some((n) => n !== el && n.nodeType === Node.TEXT_NODE && /\p{L}{2}/u.test(n.textContent));
    const out = [];
    for (const el of controls) {
      if (!el.checkVisibility({ visibilityProperty: true, opacityProperty: true }) || inSentence(el)) continue;
      const target = el.matches("input[type=checkbox], input[type=radio]") ? (el.closest("label") ?? el.labels?.[0] ?? el) : el;
      const r = target.getBoundingClientRect();
      if (r.width === 0 && r.height === 0) continue; // not laid out (e.g. the skip link off screen)
      if (r.width < min - 0.5 || r.height < min - 0.5) {
        const name = (target.getAttribute("aria-label") || target.textContent || target.outerHTML).trim().replace(/\s+/g, " ").slice(0, 60);
        out.push(`${target.tagName.toLowerCase()}${target.className ? "." + String(target.className).split(" ").join(".") : ""} “${name}” ${Math.round(r.width)}×${Math.round(r.height)}`);
      }
    }
    return [...new Set(out)];
  }, TOUCH);
}

/** assertTouchTargets fails when a visible control is smaller than 44×44 px (smallTargets). */
export async function assertTouchTargets(page, screen) {
  assert.deepEqual(await smallTargets(page), [], `${screen}: touch targets under ${TOUCH} px`);
}

/** shot saves a screenshot of the page as test-results/<name>.png (the whole page with full). */
export async function shot(page, name, { full = false } = {}) {
  mkdirSync(RESULTS, { recursive: true });
  await page.screenshot({ path: join(RESULTS, `${name}.png`), fullPage: full });
}

/** sizeName names a viewport: "phone" below 900 px (the app's one-pane layout), else "desktop". */
const sizeName = (viewport) => (viewport.width < 900 ? "phone" : "desktop");

/**
 * checkScreen checks the page at its size, light then dark (the system's dark mode, which the
 * app follows by default): axe-core and touch targets (assertAccessible), with screenshots
 * test-results/<name>-<phone|desktop>[-dark].png (the whole page on a phone).
 */
export async function checkScreen(page, name) {
  const size = sizeName(page.viewportSize());
  const wasDark = await page.evaluate(() => matchMedia("(prefers-color-scheme: dark)").matches);
  for (const dark of [wasDark, !wasDark]) {
    await page.emulateMedia({ colorScheme: dark ? "dark" : "light" });
    await page.waitForTimeout(200); // the layout and the theme settle
    const label = `${size}${dark ? "-dark" : ""}`;
    await assertAccessible(page, `${name} (${label})`);
    await shot(page, `${name}-${label}`, { full: size === "phone" });
  }
  await page.emulateMedia({ colorScheme: wasDark ? "dark" : "light" });
}

/** checkScreens runs checkScreen at both sizes, then gives the page its size back. */
export async function checkScreens(page, name) {
  const viewport = page.viewportSize();
  for (const size of Object.values(SIZES)) {
    await page.setViewportSize(size);
    await checkScreen(page, name);
  }
  await page.setViewportSize(viewport);
}
