// Live early-warning alerts on the staff workbench: listens to /staff/alerts/stream (server-sent
// events, already filtered to what this staff member may see) and puts each new or changed alert
// at the top of the alert panel. Data goes in with textContent only, never as markup.
(function () {
  "use strict";
  var panel = document.getElementById("alert-panel");
  var list = document.getElementById("alert-live");
  if (!panel || !list || !window.EventSource) { return; }
  var en = document.documentElement.lang === "en";
  var statusEn = { raised: "Raised", acknowledged: "Acknowledged", handled: "Handled", closed: "Closed" };

  function label(a) {
    var level = en ? "Level " + a.level : ["", "一级", "二级", "三级", "四级"][a.level] || (a.level + "级");
    var rule = en ? a.rule_en : a.rule_zh;
    var status = en ? (statusEn[a.status] || a.status) : a.status_zh;
    return { level: en ? level : level + "预警", rule: rule, status: status };
  }

  function show(a) {
    var id = String(a.id);
    var item = null;
    for (var i = 0; i < list.children.length; i++) {
      if (list.children[i].getAttribute("data-alert") === id) { item = list.children[i]; }
    }
    if (!item) {
      item = document.createElement("li");
      item.setAttribute("data-alert", id);
      list.insertBefore(item, list.firstChild);
    }
    while (item.firstChild) { item.removeChild(item.firstChild); }
    var l = label(a);
    var badge = document.createElement("span");
    var lvl = Math.min(Math.max(parseInt(a.level, 10) || 4, 1), 4);
    badge.className = "badge alert-l" + lvl;
    badge.textContent = l.level;
    var link = document.createElement("a");
    // Only our own alert pages: the id is checked to be a UUID before it becomes a link.
    if (/^[0-9a-f-]{36}$/.test(id)) { link.href = "/staff/alerts/" + id; }
    link.className = "alert-link";
    link.textContent = l.rule;
    var status = document.createElement("span");
    status.className = "muted alert-status";
    status.textContent = " · " + l.status;
    item.appendChild(badge);
    item.appendChild(document.createTextNode(" "));
    item.appendChild(link);
    item.appendChild(status);
    panel.hidden = false;
  }

  var source = new EventSource(panel.getAttribute("data-stream"));
  source.addEventListener("alert", function (ev) {
    try { show(JSON.parse(ev.data)); } catch (e) { /* a malformed event is skipped */ }
  });
  source.addEventListener("open", function () { panel.setAttribute("data-live", "1"); });
})();
