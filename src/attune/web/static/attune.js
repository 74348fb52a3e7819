// Progressive enhancement only: every page works without this file.
"use strict";

// Remember the browser's time zone, so times are shown in it from the next page on
// (attune.web.zones). Never overrides a zone the person picked.
(function rememberZone() {
  try {
    if (document.cookie.split("; ").some((c) => c.startsWith("attune_tz="))) return;
    const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (zone && /^[A-Za-z_+\-/0-9]{1,64}$/.test(zone)) {
      document.cookie = "attune_tz=" + zone + "; path=/; max-age=31536000; samesite=lax";
    }
  } catch (_) { /* an old browser: the practice's zone is shown, as without script */ }
})();

// Move focus to an error summary, so a screen reader announces it at once.
document.addEventListener("DOMContentLoaded", () => {
  const summary = document.querySelector("[role=alert][tabindex='-1']");
  if (summary) summary.focus();
});
