/** The report page's own stylesheet (uPlot's is inlined beside it). */
export const REPORT_STYLE = `
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #222; margin: 0; background: #fafafa; }
header { background: #1d2b3a; color: #fff; padding: 16px 24px; }
header h1 { margin: 0; font-size: 22px; }
header .sub { margin: 4px 0 0; color: #c8d3df; }
header .partial { margin: 8px 0 0; color: #ffd27f; font-weight: 600; }
main { max-width: 1280px; margin: 0 auto; padding: 8px 24px 48px; }
section { background: #fff; border: 1px solid #e3e3e3; border-radius: 6px; padding: 12px 16px; margin: 16px 0; }
h2 { font-size: 17px; margin: 4px 0 10px; }
.chart { margin: 8px 0 16px; min-height: 60px; }
#latency-charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(560px, 1fr)); gap: 0 16px; }
#latency-charts .chart { min-width: 0; }
.uplot .u-legend { font-size: 12px; }
.uplot .u-title { font-size: 14px; font-weight: 600; }
ul.warnings li { color: #a12a1a; margin: 2px 0; }
p.ok { color: #2a6b2a; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { border-bottom: 1px solid #eee; padding: 4px 8px; text-align: left; vertical-align: top; }
table.levels { font-size: 12px; }
table.levels td { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; padding: 4px 5px; }
table.levels td.text { text-align: left; white-space: normal; min-width: 120px; }
table.levels th { white-space: normal; vertical-align: bottom; padding: 4px 5px; }
#headline .answer { font-size: 19px; font-weight: 600; margin: 4px 0 6px; }
table.gates { width: auto; margin: 6px 0; }
ul.error-rates { display: flex; flex-wrap: wrap; gap: 4px 18px; list-style: none; padding: 0; margin: 2px 0; font-variant-numeric: tabular-nums; }
p.errors-label { margin: 8px 0 0; color: #555; font-size: 13px; }
table.open-loop th, table.trials th, table.targets th { white-space: normal; vertical-align: bottom; }
table.env th { width: 200px; color: #555; font-weight: 600; }
table.env td { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 12px; word-break: break-all; }
.table-wrap { overflow-x: auto; }
.legend .sw { display: inline-block; width: 14px; height: 10px; margin: 0 4px 0 14px; vertical-align: middle; }
ul.notes { color: #555; font-size: 13px; }
p.caption { color: #666; font-size: 12px; margin: -8px 0 12px; }
section > p.caption { margin: 4px 0 8px; }
h3 { font-size: 15px; margin: 14px 0 6px; }
.pair { display: grid; grid-template-columns: repeat(auto-fill, minmax(560px, 1fr)); gap: 0 16px; }
.pair .chart { min-width: 0; }
.pass { color: #2a6b2a; font-weight: 600; }
.fail { color: #b02418; font-weight: 600; }
.undecided { color: #8a6d00; font-weight: 600; }
td small { color: #777; font-weight: normal; }
table.trials td small { display: block; white-space: normal; min-width: 150px; }
.figures { display: flex; flex-wrap: wrap; gap: 12px; }
.figure { flex: 1 1 200px; border: 1px solid #e3e3e3; border-radius: 6px; padding: 8px 12px; background: #fbfcfd; }
.figure .label { color: #555; font-size: 12px; font-weight: 600; }
.figure .value { font-size: 22px; font-weight: 600; font-variant-numeric: tabular-nums; }
.figure .value small { display: block; font-size: 13px; color: #666; font-weight: normal; }
.figure .note { color: #666; font-size: 12px; }
.bars { margin: 6px 0 10px; }
.bar-row { display: flex; align-items: center; gap: 8px; margin: 4px 0; font-size: 13px; }
.bar-label { flex: 0 0 460px; color: #444; }
.bar { display: inline-block; height: 14px; border-radius: 2px; }
.bar.search { background: #2ca02c; }
.bar.grid { background: repeating-linear-gradient(45deg, #bbb, #bbb 4px, #ddd 4px, #ddd 8px); }
.bar-value { font-variant-numeric: tabular-nums; font-weight: 600; white-space: nowrap; }
`;
