// Cascading region picker: choosing a region loads the next level below it.
(function () {
  function build(picker, depth, regions) {
    const select = document.createElement("select");
    select.dataset.depth = String(depth);
    select.setAttribute("aria-label", "Region " + depth);
    const empty = document.createElement("option");
    empty.value = "";
    empty.textContent = picker.dataset.empty || "—";
    select.appendChild(empty);
    for (const r of regions) {
      const option = document.createElement("option");
      option.value = r.code;
      option.textContent = r.name;
      select.appendChild(option);
    }
    picker.appendChild(select);
  }
  function onChange(event) {
    const select = event.target;
    if (select.tagName !== "SELECT") return;
    const picker = select.closest("[data-region-picker]");
    const depth = Number(select.dataset.depth);
    picker.querySelectorAll("select").forEach(function (s) {
      if (Number(s.dataset.depth) > depth) s.remove();
    });
    let value = select.value;
    if (!value) {
      const above = picker.querySelector('select[data-depth="' + (depth - 1) + '"]');
      value = above ? above.value : "";
    }
    picker.querySelector("input[type=hidden]").value = value;
    if (!select.value) return;
    fetch(picker.dataset.url + "?code=" + encodeURIComponent(select.value), {
      headers: { Accept: "application/json" }, credentials: "same-origin",
    })
      .then(function (r) { return r.ok ? r.json() : { children: [] }; })
      .then(function (data) { if (data.children.length) build(picker, depth + 1, data.children); });
  }
  function init(root) {
    root.querySelectorAll("[data-region-picker]").forEach(function (picker) {
      if (picker.dataset.ready) return;
      picker.dataset.ready = "1";
      picker.addEventListener("change", onChange);
    });
  }
  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:load", function (e) { init(e.target); });
})();
