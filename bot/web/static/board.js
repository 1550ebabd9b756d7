/* pacebot TV board: live updates over Server-Sent Events. Plain ES5 for old TV browsers; no library. */
(function () {
  "use strict";
  var root = document.getElementById("board");
  if (!root || !window.EventSource) { return; }
  var content = document.getElementById("content");
  var live = document.getElementById("live");
  var overlay = document.getElementById("celebrate");
  var after = root.getAttribute("data-after") || "0";
  var base = root.getAttribute("data-events");
  var queue = [], showing = false, source = null, shown = null, SHOW_MS = 6000;

  function setLive(on) { live.className = "live " + (on ? "on" : "off"); }

  function next() {
    if (!queue.length) { overlay.hidden = true; showing = false; return; }
    showing = true;
    var deal = queue.shift();
    overlay.querySelector(".c-title").textContent = deal.title;
    overlay.querySelector(".c-amount").textContent = deal.amount;
    overlay.querySelector(".c-line").textContent = deal.line;
    overlay.querySelector(".c-customer").textContent = deal.customer;
    overlay.setAttribute("data-deal", deal.id);
    overlay.hidden = false;
    window.setTimeout(next, SHOW_MS);
  }

  function connect() {
    var url = base + (base.indexOf("?") < 0 ? "?" : "&") + "after=" + encodeURIComponent(after);
    source = new EventSource(url);
    source.onopen = function () { setLive(true); };
    source.onerror = function () {
      setLive(false);
      // The browser retries by itself unless the stream was refused outright; then we retry.
      if (source.readyState === 2) { window.setTimeout(connect, 3000); }
    };
    source.addEventListener("state", function (e) {
      var html = JSON.parse(e.data).html;  // rendered and escaped by the server
      if (html !== shown) { shown = html; content.innerHTML = html; }  // unchanged: keep the ticker moving
    });
    source.addEventListener("deal", function (e) {
      var deal = JSON.parse(e.data);
      after = String(deal.id);
      queue.push(deal);
      if (!showing) { next(); }
    });
    source.addEventListener("revoked", function () {
      source.close();
      setLive(false);
      window.location.reload();  // shows the server's "link revoked" page
    });
  }
  overlay.addEventListener("click", function () { queue = []; next(); });
  connect();
}());
