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
    box.style.height = Math.max(260, 40 + graph.leaves * (narrow ? 64 : 60)) + "px";
    var fontSize = narrow ? 12 : 14;
    // the chain's own name, at the root, is drawn above it (narrow) or to its left, inside the margin
    graph.tree.label = narrow
      ? { position: "top", align: "left", verticalAlign: "bottom", fontWeight: "bold" }
      : { position: "left", align: "right", fontWeight: "bold" };
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
          top: 40,
          left: narrow ? 16 : Math.min(240, graph.tree.name.length * fontSize + 24),
          right: narrow ? 120 : 240,
          symbol: "circle",
          symbolSize: 12,
          initialTreeDepth: -1,
          expandAndCollapse: false,
          roam: false,
          lineStyle: { color: "#9aa5b1", width: 1.5, curveness: 0.5 },
          label: {
            position: "top",
            verticalAlign: "bottom",
            align: "center",
            fontSize: fontSize,
            lineHeight: narrow ? 16 : 18,
            formatter: function (p) {
              var d = p.data;
              if (d.firms === undefined) return p.name;
              var counts = "企业 " + d.firms + " · 项目 " + d.projects;
              return p.name + "\n" + (narrow ? counts : d.tag + " · " + counts);
            }
          },
          leaves: {
            label: {
              position: "right",
              align: "left",
              verticalAlign: "middle",
              width: narrow ? 112 : 224,
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
