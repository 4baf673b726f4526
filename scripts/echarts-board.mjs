// The ECharts the board needs, and nothing else: built by scripts/vendor-assets.mjs (esbuild)
// from the npm package's tree-shakable `echarts/core` API into vendor/echarts-board.min.js.
// fangkong/reporting/static/reporting/board.js draws line and bar series on a category/value
// grid with a tooltip and a legend; a chart type or component it starts using must be added
// here (fangkong/reporting/tests/test_assets.py checks the series types).
import * as echarts from "echarts/core";
import { BarChart, LineChart } from "echarts/charts";
import { GridComponent, LegendComponent, TooltipComponent } from "echarts/components";
import { CanvasRenderer } from "echarts/renderers";

echarts.use([BarChart, LineChart, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer]);

// board.js (and any page script) uses the global, as with the full build.
window.echarts = echarts;
