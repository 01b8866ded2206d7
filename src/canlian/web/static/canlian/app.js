/* canlian's page behaviour, in one static file: the Content-Security-Policy allows no inline
   script, so pages declare what they need with data attributes. */
(function () {
  'use strict';

  // <button data-print> / <a data-print>: print the page.
  document.addEventListener('click', function (e) {
    var el = e.target.closest('[data-print]');
    if (el) { e.preventDefault(); window.print(); }
  });

  // <button type="submit" data-confirm="…">: ask before submitting.
  document.addEventListener('click', function (e) {
    var el = e.target.closest('[data-confirm]');
    if (el && !window.confirm(el.getAttribute('data-confirm'))) { e.preventDefault(); }
  });

  // The phone menu button is a <label> for a checkbox (it works without script): Enter and Space
  // open and close it too.
  document.addEventListener('keydown', function (e) {
    if ((e.key === 'Enter' || e.key === ' ') && e.target.matches && e.target.matches('.menu-button')) {
      e.preventDefault(); e.target.click();
    }
  });

  // <select data-autosubmit>: submit its form when it changes (the language switch).
  document.addEventListener('change', function (e) {
    if (e.target.matches && e.target.matches('select[data-autosubmit]') && e.target.form) { e.target.form.submit(); }
  });

  document.addEventListener('DOMContentLoaded', function () {
    // The inspection form: the running total of the scored items.
    var total = document.querySelector('[data-score-total]');
    var form = total && total.closest('form');
    if (form) {
      var sum = function () {
        var s = 0;
        form.querySelectorAll('input[data-max]').forEach(function (i) { var v = parseFloat(i.value); if (!isNaN(v)) s += v; });
        total.textContent = s.toFixed(1);
      };
      form.addEventListener('input', sum);
      sum();
    }
    // The attendance tablet: a refused tap answers 400 with the tile and its message (htmx skips
    // 4xx by default), and the "n of N signed in" counter follows each tap.
    if (document.querySelector('[data-testid=signin-grid]')) {
      document.body.addEventListener('htmx:beforeSwap', function (e) {
        if (e.detail.xhr.status === 400) { e.detail.shouldSwap = true; e.detail.isError = false; }
      });
      document.body.addEventListener('htmx:afterSwap', function () {
        var count = document.querySelector('[data-testid=signin-count]');
        var on = document.querySelectorAll('[data-testid=signin-grid] button.on').length;
        if (count) { count.textContent = count.textContent.replace(/\d+/, String(on)); }
      });
    }
  });
})();
