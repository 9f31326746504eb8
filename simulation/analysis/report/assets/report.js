/*
 * The report page's script, inlined after ECharts by renderHtml. It reads the page's embedded data
 * (the JSON element with id lockstep-data), renders each chart when it nears the viewport and the rest while the page is
 * idle, adds number formatters to the charts' options, filters tables, and fills the entity explorer.
 * No network access: everything it needs is in the page.
 */
/* global echarts, document, window, IntersectionObserver */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("lockstep-data").textContent);
  var instances = {};
  var pending = 0;

  var compactFmt = new Intl.NumberFormat("en-US", { notation: "compact", maximumSignificantDigits: 4 });
  var fullFmt = new Intl.NumberFormat("en-US", { maximumSignificantDigits: 8 });

  function compact(v) {
    if (typeof v !== "number" || !isFinite(v)) return String(v);
    if (v !== 0 && Math.abs(v) < 0.01) return v.toExponential(1);
    return compactFmt.format(v);
  }

  function full(v, unit) {
    if (v === null || v === undefined || v === "-") return "–";
    if (Array.isArray(v)) v = v[v.length - 1];
    if (typeof v !== "number" || !isFinite(v)) return String(v);
    var text = v !== 0 && Math.abs(v) < 1e-4 ? v.toExponential(4) : fullFmt.format(v);
    return unit ? text + " " + unit : text;
  }

  /** Adds the formatters JSON cannot carry: compact value-axis labels, tooltip values with their unit. */
  function withFormatters(option, format) {
    var unit = format && format.unit ? format.unit : "";
    var axes = function (a) {
      (Array.isArray(a) ? a : a ? [a] : []).forEach(function (axis) {
        if (axis.type === "value") {
          axis.axisLabel = Object.assign({}, axis.axisLabel, { formatter: compact });
        }
      });
    };
    axes(option.xAxis);
    axes(option.yAxis);
    if (option.tooltip) {
      option.tooltip = Object.assign({}, option.tooltip, {
        valueFormatter: function (v) {
          return full(v, unit);
        },
      });
    }
    return option;
  }

  function markRendered(el) {
    if (el.getAttribute("data-rendered") === "1") return;
    el.setAttribute("data-rendered", "1");
    pending -= 1;
    if (pending === 0) document.body.setAttribute("data-charts", "done");
  }

  function render(el) {
    if (el.getAttribute("data-rendered") === "1") return;
    var id = el.getAttribute("data-chart");
    var spec = data.charts[id];
    if (!spec) return;
    var chart = echarts.init(el, null, { renderer: "svg" });
    chart.setOption(withFormatters(spec.option, spec.format));
    instances[id] = chart;
    markRendered(el);
  }

  // ------------------------------------------------------------ explorer

  function explorerSeries(template, series, timesteps) {
    var pairs = function (ys) {
      return timesteps.map(function (t, i) {
        return [t, ys ? ys[i] : null];
      });
    };
    var chainYs = series ? series.c || series.m : null;
    return template.option.series.map(function (s) {
      if (s.name === "chain") return { name: "chain", data: pairs(chainYs) };
      if (s.name === "model") return { name: "model", data: pairs(series ? series.m : null) };
      if (s.name === "diverged") {
        var at = {};
        timesteps.forEach(function (t, i) {
          at[t] = i;
        });
        var d = series && series.d ? series.d : [];
        return {
          name: "diverged",
          data: d.map(function (t) {
            return [t, chainYs ? chainYs[at[t]] : 0];
          }),
        };
      }
      return { name: s.name };
    });
  }

  function showEntity(explorer, entity) {
    var spec = data.explorers[explorer];
    var series = spec.data[entity];
    var root = document.getElementById(explorer);
    if (!series) {
      root.querySelector(".explorer-status").textContent = "No entity " + JSON.stringify(entity) + ".";
      return;
    }
    var role = "";
    spec.entities.forEach(function (e) {
      if (e.id === entity) role = e.role;
    });
    root.querySelector(".explorer-status").textContent = entity + " (" + role + ")";
    spec.templates.forEach(function (template, i) {
      var field = spec.fields[i];
      var el = root.querySelector('[data-explorer-chart="' + template.id + '"]');
      var chart = instances[template.id];
      if (!chart) {
        chart = echarts.init(el, null, { renderer: "svg" });
        instances[template.id] = chart;
        var option = JSON.parse(JSON.stringify(template.option));
        chart.setOption(withFormatters(option, template.format));
      }
      chart.setOption({
        title: { text: entity + "." + field },
        series: explorerSeries(template, series[field], spec.timesteps),
      });
      markRendered(el);
    });
    root.querySelectorAll("tr[data-entity]").forEach(function (tr) {
      tr.classList.toggle("picked", tr.getAttribute("data-entity") === entity);
    });
    document.querySelectorAll('tr[data-pick="' + explorer + '"]').forEach(function (tr) {
      tr.classList.toggle("picked", tr.getAttribute("data-entity") === entity);
    });
  }

  function setupExplorers() {
    Object.keys(data.explorers).forEach(function (id) {
      var root = document.getElementById(id);
      var input = root.querySelector("input");
      var pick = function () {
        if (data.explorers[id].data[input.value]) showEntity(id, input.value);
      };
      input.addEventListener("change", pick);
      input.addEventListener("input", pick);
      document.querySelectorAll('tr[data-pick="' + id + '"]').forEach(function (tr) {
        tr.addEventListener("click", function () {
          input.value = tr.getAttribute("data-entity");
          showEntity(id, input.value);
          root.scrollIntoView({ behavior: "smooth", block: "start" });
        });
      });
      showEntity(id, data.explorers[id].initial);
    });
  }

  // ------------------------------------------------------------ tables

  function setupTables() {
    document.querySelectorAll("input[data-filter]").forEach(function (input) {
      var table = document.getElementById(input.getAttribute("data-filter"));
      var count = input.parentNode.querySelector(".count");
      input.addEventListener("input", function () {
        var q = input.value.trim().toLowerCase();
        var shown = 0;
        table.querySelectorAll("tbody tr").forEach(function (tr) {
          var hit =
            q === ""
              ? !tr.classList.contains("extra") || table.classList.contains("all")
              : tr.textContent.toLowerCase().indexOf(q) >= 0;
          tr.hidden = !hit;
          if (hit) shown += 1;
        });
        if (count) count.textContent = shown + " shown";
      });
    });
    document.querySelectorAll("button[data-more]").forEach(function (button) {
      button.addEventListener("click", function () {
        var table = document.getElementById(button.getAttribute("data-more"));
        table.classList.add("all");
        table.querySelectorAll("tbody tr.extra").forEach(function (tr) {
          tr.hidden = false;
        });
        button.remove();
      });
    });
  }

  // ------------------------------------------------------------ charts: near the viewport first, the rest when idle

  var containers = Array.prototype.slice.call(document.querySelectorAll(".chart"));
  pending = containers.length;
  if (pending === 0) document.body.setAttribute("data-charts", "done");
  setupTables();
  setupExplorers();

  var queue = containers.filter(function (el) {
    return el.hasAttribute("data-chart");
  });
  if ("IntersectionObserver" in window) {
    var observer = new IntersectionObserver(
      function (entries) {
        entries.forEach(function (entry) {
          if (entry.isIntersecting) {
            render(entry.target);
            observer.unobserve(entry.target);
          }
        });
      },
      { rootMargin: "600px 0px" },
    );
    queue.forEach(function (el) {
      observer.observe(el);
    });
  }
  var next = 0;
  function idle() {
    var started = Date.now();
    while (next < queue.length && Date.now() - started < 40) render(queue[next++]);
    if (next < queue.length) window.setTimeout(idle, 15);
  }
  window.setTimeout(idle, 50);

  var resizeTimer = null;
  window.addEventListener("resize", function () {
    window.clearTimeout(resizeTimer);
    resizeTimer = window.setTimeout(function () {
      Object.keys(instances).forEach(function (id) {
        instances[id].resize();
      });
    }, 150);
  });

  window.lockstepReport = {
    instances: instances,
    renderAll: function () {
      queue.forEach(render);
    },
  };
})();
