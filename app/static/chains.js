/* An industry chain's picture (app/templates/chains/detail.html): the links as an ECharts tree from upstream
   (left) to downstream (right), gaps red, weak links amber. The data is the page's JSON block #chain-graph;
   without JavaScript the table below says the same. */
(function () {
  "use strict";

  function draw() {
    var box = document.getElementById("chain-chart");
    var source = document.getElementById("chain-graph");
    if (!box || !source || !window.echarts) return;
    var graph = JSON.parse(source.textContent);
    var narrow = box.clientWidth < 600;
    box.style.height = Math.max(240, graph.leaves * (narrow ? 52 : 44)) + "px";
    var chart = window.echarts.init(box, null, { renderer: "canvas" });
    chart.setOption({
      animation: false,
      tooltip: { show: false },
      series: [
        {
          type: "tree",
          data: [graph.tree],
          orient: "LR",
          bottom: 12,
          top: narrow ? 36 : 12,
          left: narrow ? 36 : 96,
          right: narrow ? 124 : 240,
          symbol: "circle",
          symbolSize: 12,
          initialTreeDepth: -1,
          expandAndCollapse: false,
          roam: false,
          lineStyle: { color: "#9aa5b1", width: 1.5, curveness: 0.5 },
          label: {
            position: narrow ? "top" : "left",
            verticalAlign: narrow ? "bottom" : "middle",
            align: narrow ? "center" : "right",
            fontSize: narrow ? 12 : 14,
            lineHeight: narrow ? 16 : 18,
            formatter: function (p) {
              return p.data.value ? p.name + "\n" + p.data.value : p.name;
            }
          },
          leaves: {
            label: {
              position: "right",
              align: "left",
              verticalAlign: "middle",
              width: narrow ? 112 : 220,
              overflow: "truncate"
            }
          }
        }
      ]
    });
    window.addEventListener("resize", function () {
      chart.resize();
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
