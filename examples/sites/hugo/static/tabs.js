// Tab switching, with the reader's choice kept across pages (by tab header).
(function () {
  var key = "docsnip-tab";
  function show(name) {
    document.querySelectorAll(".tabpane").forEach(function (pane) {
      var labels = pane.querySelectorAll(".tab-label");
      var has = Array.prototype.some.call(labels, function (l) { return l.dataset.tab === name; });
      var pick = has ? name : labels[0] && labels[0].dataset.tab;
      labels.forEach(function (l) { l.classList.toggle("active", l.dataset.tab === pick); });
      pane.querySelectorAll(".tab-panel").forEach(function (p) { p.hidden = p.dataset.tab !== pick; });
    });
  }
  document.addEventListener("click", function (e) {
    var l = e.target.closest(".tab-label");
    if (!l) return;
    try { localStorage.setItem(key, l.dataset.tab); } catch (_) {}
    show(l.dataset.tab);
  });
  var saved = null;
  try { saved = localStorage.getItem(key); } catch (_) {}
  show(saved);
})();
