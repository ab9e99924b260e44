// The intake console's call pop: listens to /staff/intake/calls (server-sent events, only the
// calls the telephone system put through to this agent), shows the masked number and the
// caller's earlier cases, and fills the phone field as if the agent had typed it (which also
// refreshes the history panel). Data goes in with textContent only, never as markup.
(function () {
  "use strict";
  var pop = document.getElementById("call-pop");
  if (!pop || !window.EventSource) { return; }
  var en = document.documentElement.lang === "en";
  var number = document.getElementById("call-number");
  var state = document.getElementById("call-state");
  var list = document.getElementById("call-cases");
  var none = document.getElementById("call-none");
  var phone = document.getElementById("phone");
  var states = { ringing: ["振铃中", "ringing"], answered: ["已接听", "answered"] };

  function show(c) {
    number.textContent = c.masked;
    var s = states[c.event] || [c.event, c.event];
    state.textContent = en ? s[1] : s[0];
    while (list.firstChild) { list.removeChild(list.firstChild); }
    (c.cases || []).forEach(function (k) {
      var li = document.createElement("li");
      var a = document.createElement("a");
      // Only our own case pages: the number is checked before it becomes a link.
      if (/^[0-9A-Za-z-]{1,40}$/.test(k.number)) { a.href = "/staff/cases/" + k.number; }
      a.textContent = k.number;
      li.appendChild(a);
      li.appendChild(document.createTextNode(" " + k.title + " · " + (en ? k.status_en : k.status_zh)));
      list.appendChild(li);
    });
    none.hidden = (c.cases || []).length > 0;
    pop.hidden = false;
    if (phone && c.phone && phone.value === "") {
      phone.value = c.phone;
      phone.dispatchEvent(new Event("change", { bubbles: true }));
    }
  }

  var source = new EventSource(pop.getAttribute("data-stream"));
  source.addEventListener("call", function (ev) {
    try { show(JSON.parse(ev.data)); } catch (e) { /* a malformed event is skipped */ }
  });
  source.addEventListener("open", function () { pop.setAttribute("data-live", "1"); });
})();
