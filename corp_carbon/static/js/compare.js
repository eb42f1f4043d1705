/* Compare before you book: place suggestions while typing.
 *
 * Fills each place field's <datalist> from GET /api/v1/places?q= (the form's data-places
 * address). The form works the same without this script: suggestions are only a help. */
(function () {
  "use strict";
  var form = document.querySelector("form.compare-form[data-places]");
  if (!form || !window.fetch) { return; }
  var address = form.getAttribute("data-places");
  var WAIT_MS = 200;

  function attach(input) {
    var list = document.getElementById(input.getAttribute("list"));
    if (!list) { return; }
    var timer = null;
    var asked = "";
    input.addEventListener("input", function () {
      var text = input.value.trim();
      window.clearTimeout(timer);
      if (text.length < 2 || text === asked) { return; }
      timer = window.setTimeout(function () {
        asked = text;
        fetch(address + "?q=" + encodeURIComponent(text), {
          credentials: "same-origin",
          headers: { "Accept": "application/json" }
        }).then(function (response) {
          return response.ok ? response.json() : { places: [] };
        }).then(function (body) {
          if (input.value.trim() !== text) { return; }  /* typed on meanwhile */
          while (list.firstChild) { list.removeChild(list.firstChild); }
          body.places.forEach(function (place) {
            var option = document.createElement("option");
            option.value = place.value;
            if (place.kind === "airport") { option.label = place.name; }
            list.appendChild(option);
          });
        }).catch(function () { /* no suggestions; the form still works */ });
      }, WAIT_MS);
    });
  }

  Array.prototype.forEach.call(form.querySelectorAll("input[list]"), attach);
})();
