//! Accessibility of the real window: axe-core (WCAG 2.0 / 2.1, levels A and AA) runs inside the app's own
//! webview on every screen and dialog, in the light and the dark theme, and must find nothing; and a person
//! using only the keyboard can sign in to the demo, create a token from a quick pick, copy it, select two
//! tokens, revoke them and close the results — with the focus, after every key press, on an element of the
//! page (never the page itself) and drawn with a ring of at least 2 px that no ancestor clips.
//!
//! axe-core comes from `ui/node_modules` (a devDependency of the UI). The app's CSP forbids loading a script,
//! but a script executed through WebDriver runs regardless: its source is read from disk and executed.

use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::key::Key;
use patdesk_e2e::{app_bin, clipboard, repo_root, within_limit, App};
use serde_json::{json, Value};

/// The WCAG tags axe checks: 2.0 and 2.1, levels A and AA.
const WCAG_TAGS: &str = "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']";

/// Makes `axe` available in the window (once per page).
async fn inject_axe(app: &App) {
    let loaded = app
        .client
        .execute("return typeof window.axe !== 'undefined';", vec![])
        .await
        .unwrap();
    if loaded == json!(true) {
        return;
    }
    let path = repo_root().join("ui/node_modules/axe-core/axe.min.js");
    let source = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "axe-core is a devDependency of ui/ (npm --prefix ui ci): {} — {e}",
            path.display()
        )
    });
    // Run as the body of a function: `var axe` stays local unless exported, so export it explicitly.
    let script = format!("{source}\n;window.axe = axe; return true;");
    app.client
        .execute(&script, vec![])
        .await
        .expect("inject axe-core");
}

/// Sets the theme the way Settings › Theme does (the `data-theme` attribute on <html>).
async fn set_theme(app: &App, theme: &str) {
    app.client
        .execute(
            "document.documentElement.dataset.theme = arguments[0]; return document.documentElement.dataset.theme;",
            vec![json!(theme)],
        )
        .await
        .unwrap();
}

/// Proves that axe runs and reports in this window: an image without a text alternative and grey-on-grey
/// text, added for a moment, must be found.
async fn axe_finds_a_planted_violation(app: &App) {
    app.client
        .execute(
            "const probe = document.createElement('div');
             probe.id = 'axe-probe';
             probe.style.cssText = 'position:fixed;left:40%;top:40%;z-index:1000;background:#aaa;padding:4px';
             probe.innerHTML = '<img src=\"data:image/gif;base64,R0lGODlhAQABAAAAACw=\" width=\"10\" height=\"10\">' +
               '<p style=\"color:#999;background:#aaa;font-size:14px\">low contrast</p>';
             document.body.appendChild(probe);",
            vec![],
        )
        .await
        .unwrap();
    let found = axe_violations(app).await;
    app.client
        .execute("document.getElementById('axe-probe').remove();", vec![])
        .await
        .unwrap();
    for rule in ["image-alt", "color-contrast"] {
        assert!(
            found.iter().any(|v| v.starts_with(rule)),
            "axe did not report the planted {rule} violation: {found:?}"
        );
    }
}

/// The violations axe finds in the window now, one line each ("rule (impact): target — summary").
async fn axe_violations(app: &App) -> Vec<String> {
    inject_axe(app).await;
    let script = format!(
        "const done = arguments[arguments.length - 1];
         window.axe.run(document, {{ runOnly: {{ type: 'tag', values: {WCAG_TAGS} }}, resultTypes: ['violations'] }})
           .then((r) => done(JSON.stringify(r.violations.map((v) => ({{
              id: v.id, impact: v.impact,
              nodes: v.nodes.map((n) => n.target.join(' ') + ' — ' + (n.failureSummary || '').replace(/\\s+/g, ' '))
           }})))))
           .catch((e) => done(JSON.stringify([{{ id: 'axe-error', impact: 'error', nodes: [String(e)] }}])));"
    );
    let answer = app
        .client
        .execute_async(&script, vec![])
        .await
        .expect("axe.run");
    let list: Vec<Value> =
        serde_json::from_str(answer.as_str().expect("axe answers a JSON string")).unwrap();
    let mut lines = Vec::new();
    for violation in list {
        for node in violation["nodes"].as_array().unwrap() {
            lines.push(format!(
                "{} ({}): {}",
                violation["id"].as_str().unwrap_or("?"),
                violation["impact"].as_str().unwrap_or("?"),
                node.as_str().unwrap_or("?")
            ));
        }
    }
    lines
}

/// Runs axe on what is shown now in the light and the dark theme, screenshots both, and adds any violation
/// to `found`. The theme is left as it was (light, the test's starting point).
async fn check_both_themes(app: &App, what: &str, found: &mut Vec<String>) {
    for theme in ["light", "dark"] {
        set_theme(app, theme).await;
        let violations = axe_violations(app).await;
        println!("axe: {what} [{theme}]: {} violations", violations.len());
        app.screenshot(&format!("a11y_{what}_{theme}")).await;
        found.extend(
            violations
                .into_iter()
                .map(|v| format!("{what} [{theme}] {v}")),
        );
    }
    set_theme(app, "light").await;
}

fn assert_none(found: &[String]) {
    assert!(
        found.is_empty(),
        "axe found {} WCAG A/AA violations:\n{}",
        found.len(),
        found.join("\n")
    );
}

#[tokio::test]
async fn a11y_axe_keychain_and_sign_in_screens() {
    within_limit("a11y_axe_sign_in", axe_sign_in_body()).await;
}

/// The keychain screen (no D-Bus session, so no keychain), then the sign-in screen after continuing.
async fn axe_sign_in_body() {
    let dead = std::env::temp_dir().join(format!("patdesk-a11y-no-bus-{}", std::process::id()));
    let bus = format!("unix:path={}", dead.display());
    let app = App::launch_with(
        "a11y_axe_sign_in",
        &app_bin(),
        &[("DBUS_SESSION_BUS_ADDRESS", bus.as_str())],
    )
    .await;
    let mut found = Vec::new();
    app.visible("keychain-screen").await;
    axe_finds_a_planted_violation(&app).await;
    check_both_themes(&app, "keychain", &mut found).await;
    app.click("keychain-continue").await;
    app.visible("org-input").await;
    check_both_themes(&app, "sign_in", &mut found).await;
    // A rejected organization: the field's error state.
    app.click("sign-in-button").await;
    app.visible("org-error").await;
    check_both_themes(&app, "sign_in_error", &mut found).await;
    assert_none(&found);
    app.finish().await;
}

#[tokio::test]
async fn a11y_axe_screens() {
    within_limit("a11y_axe_screens", axe_screens_body()).await;
}

/// Every screen of the signed-in window in the demo.
async fn axe_screens_body() {
    let mut app = App::demo("a11y_axe_screens").await;
    axe_finds_a_planted_violation(&app).await;
    let mut found = Vec::new();
    check_both_themes(&app, "tokens", &mut found).await;

    app.click("account-menu-button").await;
    app.visible("account-menu").await;
    check_both_themes(&app, "account_menu", &mut found).await;
    app.click("account-menu-button").await;

    app.click("filter-all").await;
    check_both_themes(&app, "tokens_all", &mut found).await;
    app.click("filter-active").await;

    for (nav, what) in [
        ("nav-profile", "profile"),
        ("nav-saved", "saved"),
        ("nav-settings", "settings"),
        ("nav-about", "about"),
    ] {
        app.click(nav).await;
        app.until(&format!("the {what} screen"), || async {
            let heading = app
                .client
                .execute(
                    "return document.activeElement && document.activeElement.tagName;",
                    vec![],
                )
                .await
                .ok()?;
            (heading == json!("H1")).then_some(())
        })
        .await;
        check_both_themes(&app, what, &mut found).await;
    }

    app.click("nav-tokens").await;
    app.click("new-token-button").await;
    app.visible("token-name-input").await;
    check_both_themes(&app, "new_token", &mut found).await;
    // Create with nothing filled in: the form's error states.
    app.click("create-button").await;
    check_both_themes(&app, "new_token_errors", &mut found).await;

    app.click("nav-tokens").await;
    app.submit_new_token("a11y check").await;
    app.reveal_new_secret().await;
    check_both_themes(&app, "token_created", &mut found).await;
    app.click("done-button").await;
    app.visible("done-dialog").await;
    check_both_themes(&app, "done_dialog", &mut found).await;
    app.click("cancel-button").await;
    app.click("copy-button").await;
    app.visible("clipboard-countdown").await;
    check_both_themes(&app, "token_copied", &mut found).await;
    app.click("done-button").await;

    // The Replace assistant of a global token.
    app.click("refresh-button").await;
    app.click("banner-replace-button").await;
    app.visible("create-replacements").await;
    check_both_themes(&app, "replace", &mut found).await;

    assert_none(&found);
    app.finish().await;
}

#[tokio::test]
async fn a11y_axe_dialogs() {
    within_limit("a11y_axe_dialogs", axe_dialogs_body()).await;
}

/// Every dialog and menu of the token list.
async fn axe_dialogs_body() {
    let app = App::demo("a11y_axe_dialogs").await;
    axe_finds_a_planted_violation(&app).await;
    let mut found = Vec::new();

    app.click("row-menu").await;
    app.find_css("[role='menu']").await;
    check_both_themes(&app, "row_menu", &mut found).await;
    app.press(Key::Escape).await;

    for (item, dialog) in [
        ("edit", "edit-dialog"),
        ("extend", "extend-dialog"),
        ("regenerate", "regenerate-dialog"),
    ] {
        // The first row whose menu has the item (a global token has Replace instead of Regenerate).
        let mut entry = None;
        for menu in app.all("row-menu").await {
            app.click_element(&menu, "More").await;
            app.visible("row-menu-items").await;
            if let Some(found) = app.all(&format!("menu-{item}")).await.into_iter().next() {
                entry = Some(found);
                break;
            }
            app.press(Key::Escape).await;
        }
        let entry = entry.unwrap_or_else(|| panic!("no row offers {item}"));
        // Chosen with the arrow keys: the menu may open near the window's edge.
        let wanted = entry.attr("data-testid").await.unwrap();
        for _ in 0..4 {
            let at = app.focus().await;
            if at["testid"].as_str() == wanted.as_deref() {
                break;
            }
            app.press(Key::Down).await;
        }
        app.press(Key::Enter).await;
        app.visible(dialog).await;
        check_both_themes(&app, dialog, &mut found).await;
        app.press(Key::Escape).await;
        app.gone(dialog).await;
    }

    app.click("export-button").await;
    app.visible("export-dialog").await;
    check_both_themes(&app, "export-dialog", &mut found).await;
    app.press(Key::Escape).await;

    app.click("row-revoke-button").await;
    app.visible("revoke-dialog").await;
    check_both_themes(&app, "revoke-dialog", &mut found).await;
    app.press(Key::Escape).await;

    for n in 0..2 {
        // Looked up again each time (selecting re-renders the rows); ticked with Space, as WebKitWebDriver
        // answers a click on these checkboxes with an error.
        let boxes = app.all("row-checkbox").await;
        boxes[n]
            .send_keys(" ")
            .await
            .expect("tick a row's checkbox");
    }
    app.visible("selection-bar").await;
    check_both_themes(&app, "selection", &mut found).await;
    app.click("bulk-revoke-button").await;
    app.visible("bulk-dialog").await;
    check_both_themes(&app, "bulk-confirm", &mut found).await;
    app.click("confirm-button").await;
    app.visible("bulk-close-button").await;
    check_both_themes(&app, "bulk-results", &mut found).await;
    app.click("bulk-close-button").await;

    assert_none(&found);
    app.finish().await;
}

// ---- the keyboard alone ---------------------------------------------------------------------------------

/// Where the focus is and how it is drawn, from inside the window.
const FOCUS_PROBE: &str = "
  const el = document.activeElement;
  if (!el || el === document.body || el === document.documentElement) return { body: true };
  const style = getComputedStyle(el);
  const width = parseFloat(style.outlineWidth) || 0;
  const offset = parseFloat(style.outlineOffset) || 0;
  const drawn = style.outlineStyle !== 'none' && width >= 2;
  // The ring's outer box; every ancestor that clips (overflow other than visible) must contain it.
  const r = el.getBoundingClientRect();
  const grow = Math.max(0, width + offset);
  const ring = { left: r.left - grow, top: r.top - grow, right: r.right + grow, bottom: r.bottom + grow };
  let clippedBy = null;
  for (let a = el.parentElement; a && a !== document.documentElement; a = a.parentElement) {
    const s = getComputedStyle(a);
    const b = a.getBoundingClientRect();
    const clipX = s.overflowX !== 'visible';
    const clipY = s.overflowY !== 'visible';
    if ((clipX && (ring.left < b.left - 0.5 || ring.right > b.right + 0.5)) ||
        (clipY && (ring.top < b.top - 0.5 || ring.bottom > b.bottom + 0.5))) {
      clippedBy = (a.dataset.testid || a.className || a.tagName).toString();
      break;
    }
  }
  return {
    body: false,
    testid: el.dataset.testid || null,
    tag: el.tagName,
    text: (el.getAttribute('aria-label') || el.textContent || '').trim().slice(0, 60),
    width, style: style.outlineStyle, drawn, clippedBy,
  };";

/// Key presses sent to the window as a person's keyboard would (WebDriver actions), and where they land.
trait Keys {
    async fn press(&self, key: Key);
    async fn press_shift_tab(&self);
    async fn focus(&self) -> Value;
    async fn press_with_control(&self, key: char);
}

impl Keys for App {
    async fn press(&self, key: Key) {
        let key: char = key.into();
        let actions = KeyActions::new("keyboard".to_string())
            .then(KeyAction::Down { value: key })
            .then(KeyAction::Up { value: key });
        self.client
            .perform_actions(actions)
            .await
            .expect("key press");
    }

    async fn press_shift_tab(&self) {
        let shift: char = Key::Shift.into();
        let tab: char = Key::Tab.into();
        let actions = KeyActions::new("keyboard".to_string())
            .then(KeyAction::Down { value: shift })
            .then(KeyAction::Down { value: tab })
            .then(KeyAction::Up { value: tab })
            .then(KeyAction::Up { value: shift });
        self.client
            .perform_actions(actions)
            .await
            .expect("shift+tab");
    }

    async fn press_with_control(&self, key: char) {
        let control: char = Key::Control.into();
        let actions = KeyActions::new("keyboard".to_string())
            .then(KeyAction::Down { value: control })
            .then(KeyAction::Down { value: key })
            .then(KeyAction::Up { value: key })
            .then(KeyAction::Up { value: control });
        self.client
            .perform_actions(actions)
            .await
            .expect("control+key");
    }

    async fn focus(&self) -> Value {
        self.client
            .execute(FOCUS_PROBE, vec![])
            .await
            .expect("focus probe")
    }
}

/// Asserts the focus is on an element (not the page) drawn with an unclipped ring of 2 px or more; returns
/// its data-testid (or its tag) for the step's own check.
async fn focus_checked(app: &App, step: &str) -> String {
    // The focus may move a moment after the key (a screen change, a dialog's next step): the last state wins.
    let state = app
        .until(&format!("the focus to settle after {step}"), || async {
            let first = app.focus().await;
            tokio::time::sleep(std::time::Duration::from_millis(150)).await;
            let second = app.focus().await;
            (first == second).then_some(second)
        })
        .await;
    assert_eq!(
        state["body"],
        json!(false),
        "after {step} the focus fell to the page"
    );
    assert_eq!(
        state["drawn"],
        json!(true),
        "after {step} the focused element has no ring of 2 px or more: {state}"
    );
    assert!(
        state["clippedBy"].is_null(),
        "after {step} the focus ring is clipped by an ancestor: {state}"
    );
    state["testid"]
        .as_str()
        .map(str::to_string)
        .unwrap_or_else(|| state["tag"].as_str().unwrap_or("?").to_string())
}

/// Presses Tab (or Shift+Tab) until the element with this data-testid has the focus, checking the focus after
/// every press; fails after `limit` presses.
async fn tab_to(app: &App, testid: &str, backwards: bool, limit: usize) -> usize {
    for presses in 1..=limit {
        if backwards {
            app.press_shift_tab().await;
        } else {
            app.press(Key::Tab).await;
        }
        let at = focus_checked(app, &format!("Tab #{presses} towards {testid}")).await;
        if at == testid {
            return presses;
        }
    }
    panic!("{testid} not reached with {limit} presses of Tab");
}

/// Presses a key and checks where the focus went.
async fn press_then(app: &App, key: Key, step: &str) -> String {
    app.press(key).await;
    focus_checked(app, step).await
}

#[tokio::test]
async fn a11y_keyboard_only() {
    within_limit("a11y_keyboard_only", keyboard_only_body()).await;
}

async fn keyboard_only_body() {
    let mut app = App::launch("a11y_keyboard_only").await;
    app.visible("demo-button").await;

    // Sign in: Tab to "Try the demo", Enter. The focus lands on the token list's heading.
    tab_to(&app, "demo-button", false, 10).await;
    app.screenshot("a11y_keyboard_01_demo_button_light").await;
    let at = press_then(&app, Key::Enter, "Enter on Try the demo").await;
    assert_eq!(
        at, "H1",
        "signed in, the focus is on the token list's heading"
    );
    app.find("token-row").await;
    app.sim.ready().await;

    // A quick pick, Create, Copy.
    let presses = tab_to(&app, "quick-pick-build-agent", false, 20).await;
    println!("keyboard: quick pick reached with {presses} Tab presses");
    app.screenshot("a11y_keyboard_02_quick_pick_light").await;
    let at = press_then(&app, Key::Enter, "Enter on the quick pick").await;
    assert_eq!(at, "H1", "the new-token screen's heading has the focus");
    tab_to(&app, "create-button", false, 80).await;
    let at = press_then(&app, Key::Enter, "Enter on Create").await;
    assert_eq!(
        at, "H1",
        "the created token's screen's heading has the focus"
    );
    app.visible("secret-value").await;
    tab_to(&app, "copy-button", false, 10).await;
    let at = press_then(&app, Key::Enter, "Enter on Copy").await;
    assert_eq!(
        at, "copy-button",
        "Copy keeps the focus while and after it copies"
    );
    let copied = app
        .until("the token on the clipboard", || async {
            clipboard::read().filter(|text| text.len() >= 52)
        })
        .await;
    app.remember_secret(&copied);
    set_theme(&app, "dark").await;
    app.screenshot("a11y_keyboard_03_copy_focused_dark").await;
    set_theme(&app, "light").await;
    app.screenshot("a11y_keyboard_03_copy_focused_light").await;
    tab_to(&app, "done-button", false, 10).await;
    let at = press_then(&app, Key::Enter, "Enter on Done").await;
    assert_eq!(at, "H1", "back on the token list's heading");
    app.find("token-row").await;

    // Select two tokens with Space.
    let before: Vec<String> = {
        let state = app.sim.state().await;
        state["tokens"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|t| t["status"] == "revoked")
            .map(|t| t["authorizationId"].as_str().unwrap().to_lowercase())
            .collect()
    };
    tab_to(&app, "row-checkbox", false, 40).await;
    press_then(&app, Key::Space, "Space on the first row's checkbox").await;
    app.visible("selection-bar").await;
    // The next row's checkbox: Tab through the first row's buttons.
    let mut second = false;
    for _ in 0..6 {
        app.press(Key::Tab).await;
        let at = focus_checked(&app, "Tab towards the second row").await;
        if at == "row-checkbox" {
            second = true;
            break;
        }
    }
    assert!(second, "the second row's checkbox is reachable with Tab");
    press_then(&app, Key::Space, "Space on the second row's checkbox").await;
    app.until("two selected", || async {
        let text = app.find("selection-count").await.text().await.ok()?;
        text.starts_with('2').then_some(())
    })
    .await;
    app.screenshot("a11y_keyboard_04_selection_light").await;

    // Back to the skip button above the list, then straight to the selection's Revoke.
    let presses = tab_to(&app, "skip-to-selection", true, 10).await;
    println!("keyboard: skip button reached with {presses} Shift+Tab presses");
    app.screenshot("a11y_keyboard_05_skip_light").await;
    let at = press_then(&app, Key::Enter, "Enter on Skip to the selection").await;
    assert_eq!(at, "bulk-revoke-button");
    set_theme(&app, "dark").await;
    app.screenshot("a11y_keyboard_06_bulk_button_dark").await;
    set_theme(&app, "light").await;

    // The confirmation focuses the safe choice; Tab to Revoke, Enter; the results' Close has the focus.
    let at = press_then(&app, Key::Enter, "Enter on Revoke 2 tokens").await;
    assert_eq!(at, "cancel-button", "the confirmation focuses Cancel");
    app.screenshot("a11y_keyboard_07_confirm_cancel_light")
        .await;
    let at = press_then(&app, Key::Tab, "Tab to the confirm button").await;
    assert_eq!(at, "confirm-button");
    let at = press_then(&app, Key::Enter, "Enter on Revoke").await;
    app.visible("bulk-close-button").await;
    let at = if at == "bulk-close-button" {
        at
    } else {
        focus_checked(&app, "the bulk revoke finishing").await
    };
    assert_eq!(at, "bulk-close-button", "the results' Close has the focus");
    set_theme(&app, "dark").await;
    app.screenshot("a11y_keyboard_08_results_close_dark").await;
    set_theme(&app, "light").await;
    let revoked: Vec<String> = {
        let state = app.sim.state().await;
        state["tokens"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|t| t["status"] == "revoked")
            .map(|t| t["authorizationId"].as_str().unwrap().to_lowercase())
            .filter(|id| !before.contains(id))
            .collect()
    };
    assert_eq!(revoked.len(), 2, "two tokens were revoked: {revoked:?}");
    let at = press_then(&app, Key::Enter, "Enter on Close").await;
    assert_eq!(
        at, "H1",
        "after the results, the token list's heading has the focus"
    );
    app.gone("bulk-dialog").await;
    app.screenshot("a11y_keyboard_09_back_on_list_light").await;
    app.finish().await;
}

// ---- boundaries axe does not measure, and zoom ---------------------------------------------------------

/// WCAG 1.4.11 (non-text contrast), which axe does not check: the boundary of every text field and select,
/// and of the pressed filter segment, against the background behind it. Returns one line per shortfall.
/// (WebKit does not compute `::placeholder` styles for a script; the placeholder's colour is checked against
/// the theme's colours by the UI's contrast test.)
const BOUNDARY_PROBE: &str = "
  const rgb = (c) => { const m = c.match(/[\\d.]+/g).map(Number); return { r: m[0], g: m[1], b: m[2], a: m.length > 3 ? m[3] : 1 }; };
  const lum = ({ r, g, b }) => [r, g, b].map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; })
    .reduce((s, v, i) => s + v * [0.2126, 0.7152, 0.0722][i], 0);
  const ratio = (x, y) => { const a = lum(x), b = lum(y); return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05); };
  const behind = (el) => { for (let a = el.parentElement; a; a = a.parentElement) { const c = rgb(getComputedStyle(a).backgroundColor); if (c.a > 0) return c; } return { r: 255, g: 255, b: 255, a: 1 }; };
  const name = (el) => el.dataset.testid || el.id || el.tagName;
  const short = [];
  for (const el of document.querySelectorAll('input.input, select.input, textarea.input')) {
    const s = getComputedStyle(el);
    const border = rgb(s.borderTopColor);
    const r = Math.max(ratio(border, behind(el)), ratio(border, rgb(s.backgroundColor)));
    if (r < 3) short.push(name(el) + ' boundary ' + r.toFixed(2));
  }
  for (const el of document.querySelectorAll(\"[aria-pressed='true']\")) {
    const s = getComputedStyle(el);
    // An opaque box-shadow ring or border draws the boundary; a translucent drop shadow does not count.
    const rings = (s.boxShadow.match(/rgba?\\([^)]*\\)/g) || []).map(rgb).filter((c) => c.a >= 1);
    const edge = rings.length > 0 ? rings[0]
      : parseFloat(s.borderTopWidth) > 0 ? rgb(s.borderTopColor) : rgb(s.backgroundColor);
    const r = ratio(edge, behind(el));
    if (r < 3) short.push(name(el) + ' pressed boundary ' + r.toFixed(2));
  }
  return short;";

#[tokio::test]
async fn a11y_boundaries_and_zoom() {
    within_limit("a11y_boundaries_and_zoom", boundaries_and_zoom_body()).await;
}

async fn boundaries_and_zoom_body() {
    let app = App::demo("a11y_boundaries_and_zoom").await;
    // First, the probe must see a planted faint field.
    app.client
        .execute(
            "const style = document.createElement('style');
             style.id = 'planted-style';
             style.textContent = '#planted { border: 1px solid #e6e6e6; background: #fff; }';
             document.head.appendChild(style);
             const input = document.createElement('input');
             input.id = 'planted'; input.className = 'input'; input.placeholder = 'faint';
             document.querySelector('main').appendChild(input);",
            vec![],
        )
        .await
        .unwrap();
    let planted: Vec<String> =
        serde_json::from_value(app.client.execute(BOUNDARY_PROBE, vec![]).await.unwrap()).unwrap();
    app.client
        .execute(
            "document.getElementById('planted').remove(); document.getElementById('planted-style').remove();",
            vec![],
        )
        .await
        .unwrap();
    assert!(
        planted.iter().any(|f| f.starts_with("planted boundary")),
        "the probe misses a planted faint field: {planted:?}"
    );
    let mut short = Vec::new();
    for theme in ["light", "dark"] {
        set_theme(&app, theme).await;
        for (nav, what) in [("nav-tokens", "tokens"), ("nav-settings", "settings")] {
            app.click(nav).await;
            tokio::time::sleep(std::time::Duration::from_millis(300)).await;
            let found = app.client.execute(BOUNDARY_PROBE, vec![]).await.unwrap();
            let found: Vec<String> = serde_json::from_value(found).unwrap();
            println!("boundaries: {what} [{theme}]: {found:?}");
            short.extend(found.into_iter().map(|f| format!("{what} [{theme}] {f}")));
        }
        app.click("nav-tokens").await;
        app.click("new-token-button").await;
        app.visible("token-name-input").await;
        let found = app.client.execute(BOUNDARY_PROBE, vec![]).await.unwrap();
        let found: Vec<String> = serde_json::from_value(found).unwrap();
        println!("boundaries: new_token [{theme}]: {found:?}");
        short.extend(
            found
                .into_iter()
                .map(|f| format!("new_token [{theme}] {f}")),
        );
    }
    assert!(short.is_empty(), "boundaries under 3:1: {short:?}");

    // Ctrl + five times: 200 %. The CSS viewport halves, and the list's last column and the sidebar's
    // account button can still be brought into view, uncut.
    set_theme(&app, "light").await;
    app.click("nav-tokens").await;
    app.find("token-row").await;
    let width = |app: &App| {
        let client = app.client.clone();
        async move {
            client
                .execute("return window.innerWidth;", vec![])
                .await
                .unwrap()
                .as_f64()
                .unwrap()
        }
    };
    let normal = width(&app).await;
    for _ in 0..5 {
        app.press_with_control('=').await;
    }
    let zoomed = app
        .until("the window to zoom to 200 %", || async {
            let now = width(&app).await;
            (now < normal * 0.55).then_some(now)
        })
        .await;
    println!("zoom: {normal} CSS px wide at 100 %, {zoomed} at 200 %");
    for (target, what) in [
        (
            "[data-testid='token-row'] [data-testid='row-revoke-button']",
            "the first row's Revoke",
        ),
        ("[data-testid='account-menu-button']", "the account button"),
        ("[data-testid='nav-about']", "About in the sidebar"),
        ("[data-testid='new-token-button']", "New token"),
    ] {
        let answer = app
            .client
            .execute(REACHABLE_PROBE, vec![json!(target)])
            .await
            .unwrap();
        assert_eq!(
            answer,
            json!(null),
            "at 200 %, {what} cannot be seen whole: {answer}"
        );
    }
    app.screenshot("a11y_zoom_200_light").await;
    set_theme(&app, "dark").await;
    app.screenshot("a11y_zoom_200_dark").await;
    set_theme(&app, "light").await;
    app.press_with_control('0').await;
    app.until("the zoom back to 100 %", || async {
        ((width(&app).await - normal).abs() < 2.0).then_some(())
    })
    .await;
    app.finish().await;
}

/// Scrolls the element matching arguments[0] into view, then answers null if it is whole in the window and
/// not cut by any ancestor, or what cuts it.
const REACHABLE_PROBE: &str = "
  const el = document.querySelector(arguments[0]);
  if (!el) return 'missing';
  el.scrollIntoView({ block: 'nearest', inline: 'nearest' });
  const r = el.getBoundingClientRect();
  if (r.width === 0 || r.left < 0 || r.top < 0 || r.right > window.innerWidth + 0.5 || r.bottom > window.innerHeight + 0.5)
    return 'outside the window: ' + JSON.stringify(r);
  for (let a = el.parentElement; a && a !== document.documentElement; a = a.parentElement) {
    const s = getComputedStyle(a);
    const b = a.getBoundingClientRect();
    if ((s.overflowX !== 'visible' && (r.left < b.left - 0.5 || r.right > b.right + 0.5)) ||
        (s.overflowY !== 'visible' && (r.top < b.top - 0.5 || r.bottom > b.bottom + 0.5)))
      return 'cut by ' + (a.dataset.testid || a.className || a.tagName);
  }
  return null;";
