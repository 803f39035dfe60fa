/* Spanish month and day names for dcc.DatePickerRange on Spanish pages (<html lang="es">).
   Dash's date picker formats with date-fns and takes its locale from `window.dateFns.locale`; this is
   the part of date-fns's `es` locale that formatting needs (typed dates are numeric, DD/MM/YYYY, so
   no text parsing). Weeks start on Monday. */
(function () {
  "use strict";
  if ((document.documentElement.getAttribute("lang") || "").slice(0, 2) !== "es") return;
  var months = {
    narrow: ["E", "F", "M", "A", "M", "J", "J", "A", "S", "O", "N", "D"],
    abbreviated: ["ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sept", "oct", "nov", "dic"],
    wide: ["enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre",
           "noviembre", "diciembre"]
  };
  var days = {
    narrow: ["D", "L", "M", "X", "J", "V", "S"],
    short: ["do", "lu", "ma", "mi", "ju", "vi", "sá"],
    abbreviated: ["dom", "lun", "mar", "mié", "jue", "vie", "sáb"],
    wide: ["domingo", "lunes", "martes", "miércoles", "jueves", "viernes", "sábado"]
  };
  function pick(table) {
    return function (index, options) {
      var width = (options && options.width) || "wide";
      return (table[width] || table.wide)[index];
    };
  }
  var es = {
    code: "es",
    localize: {
      ordinalNumber: function (n) { return Number(n) + "º"; },
      era: function (n) { return n ? "d. C." : "a. C."; },
      quarter: function (n) { return n + "T"; },
      month: pick(months),
      day: pick(days),
      dayPeriod: function (n) { return n === "am" ? "a. m." : n === "pm" ? "p. m." : n; }
    },
    formatLong: {
      date: function () { return "dd/MM/y"; },
      time: function () { return "H:mm"; },
      dateTime: function () { return "{{date}}, {{time}}"; }
    },
    formatDistance: function (token, count) { return String(count); },
    formatRelative: function () { return "P"; },
    match: {},
    options: { weekStartsOn: 1, firstWeekContainsDate: 1 }
  };
  window.dateFns = window.dateFns || {};
  window.dateFns.locale = Object.assign({}, window.dateFns.locale || {}, { es: es });
})();
