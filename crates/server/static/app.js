// Small progressive enhancements; every page works without this file.
(function () {
  "use strict";
  // htmx requests carry the page's CSRF token (crate::csrf); some send only one field, not the
  // form with its hidden csrf_token, so the header is set on every one.
  document.addEventListener("htmx:configRequest", function (e) {
    var meta = document.querySelector("meta[name=csrf-token]");
    if (meta && e.detail && e.detail.headers) {
      e.detail.headers["X-CSRF-Token"] = meta.getAttribute("content");
    }
  });

  document.addEventListener("click", function (e) {
    var t = e.target.closest && e.target.closest("[data-print]");
    if (t) { window.print(); }
  });

  // The citizen form: anonymous reporting only for accusations; hide contact fields when chosen.
  function syncKind() {
    var form = document.getElementById("submit-form");
    if (!form) { return; }
    var kind = form.querySelector("input[name=kind]:checked");
    var isAccusation = kind && kind.value === "accusation";
    form.querySelectorAll("[data-show-for=accusation]").forEach(function (el) { el.hidden = !isAccusation; });
    var anon = document.getElementById("anonymous");
    var anonymous = isAccusation && anon && anon.checked;
    form.querySelectorAll("[data-hide-when-anonymous]").forEach(function (el) { el.hidden = anonymous; });
  }
  document.addEventListener("change", syncKind);
  document.addEventListener("DOMContentLoaded", syncKind);

  // Topic filter: narrows the long topic list as one types (the select alone also works).
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-filter-for]").forEach(function (input) {
      var select = document.getElementById(input.getAttribute("data-filter-for"));
      if (!select) { return; }
      input.hidden = false;
      input.addEventListener("input", function () {
        var q = input.value.trim().toLowerCase();
        select.querySelectorAll("option").forEach(function (o) {
          if (!o.value) { return; }
          o.hidden = q !== "" && o.textContent.toLowerCase().indexOf(q) < 0;
        });
      });
    });
  });
})();
