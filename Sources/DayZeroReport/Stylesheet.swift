/// The inline style sheet: system fonts only, a readable screen layout, and print rules for
/// A4 (each analysis set on a new page, figures/panels/tables kept whole, captions, legends,
/// notes and headings kept with what they belong to, table headers repeated, colours printed
/// as they are, "Page n of N" in the bottom margin through `@page` margin boxes).
///
/// It contains neither `<` nor `&`, so the document stays well-formed XML.
enum Stylesheet {
    static let css = """
    :root { color-scheme: light; }
    * { box-sizing: border-box; }
    html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
    body { font-family: "Helvetica Neue", Helvetica, Arial, "Liberation Sans", "DejaVu Sans", sans-serif; color: #1a1a1a;
      background: #fff; margin: 0 auto; max-width: 1180px; padding: 24px 28px 48px; font-size: 15px; line-height: 1.45; }
    h1 { font-size: 28px; margin: 0 0 4px; }
    h2 { font-size: 22px; margin: 28px 0 8px; }
    h3 { font-size: 17px; margin: 26px 0 8px; border-bottom: 1px solid #ddd; padding-bottom: 3px; }
    h1, h2, h3, p, li, dd, dt, td, th, caption, figcaption { overflow-wrap: anywhere; }
    code, pre { font-family: "DejaVu Sans Mono", "Liberation Mono", Menlo, Consolas, monospace; font-size: 0.9em; }
    pre.protocol { white-space: pre-wrap; overflow-wrap: anywhere; background: #f6f6f6; padding: 10px; border: 1px solid #ddd; }
    .muted, .byline, .study { color: #555; }
    nav#contents ol { padding-left: 22px; }
    .analysis-set { border-top: 3px solid #333; margin-top: 40px; padding-top: 4px; }
    figure { margin: 14px 0 22px; break-inside: avoid; page-break-inside: avoid; }
    figure.multi { break-inside: auto; page-break-inside: auto; }
    figcaption { font-size: 13.5px; color: #333; margin-bottom: 6px; }
    .legend { margin: 2px 0 6px; }
    .legend svg { display: block; max-width: 100%; height: auto; }
    .panels { display: grid; grid-template-columns: repeat(auto-fill, minmax(320px, 1fr)); gap: 10px 18px; }
    .panel { break-inside: avoid; page-break-inside: avoid; min-width: 0; }
    .panel svg { display: block; width: 100%; height: auto; }
    figure.single .panels { display: block; }
    figure.flow .panel svg { max-width: 560px; }
    figure.medication .panel svg { width: auto; max-width: 100%; }
    svg { overflow: hidden; }
    svg text { white-space: pre; }
    table.data { border-collapse: collapse; width: 100%; table-layout: fixed; font-size: 13.5px; margin: 8px 0 4px;
      break-inside: avoid; page-break-inside: avoid; }
    col.c-label { width: 46%; } col.c-group { width: 20%; } col.c-p { width: 14%; }
    table.medication col.c-group { width: 19%; } table.medication col.c-p { width: 12%; }
    col.c-drug { width: 25%; } col.c-period { width: 25%; }
    col.c-method { width: 20%; } col.c-r { width: 50%; } col.c-use { width: 30%; }
    table.table1 { break-inside: auto; page-break-inside: auto; }
    table.data caption { caption-side: top; text-align: left; font-size: 13.5px; color: #333; padding-bottom: 4px; }
    table.data thead { display: table-header-group; }
    table.data th, table.data td { padding: 3px 8px; border-bottom: 1px solid #e2e2e2; text-align: left; vertical-align: top; }
    table.data thead th { border-bottom: 2px solid #333; }
    table.data tr { break-inside: avoid; page-break-inside: avoid; }
    table.data tbody th { font-weight: normal; }
    table.data tr.section th { font-weight: bold; padding-top: 10px; border-bottom: 1px solid #999; }
    table.table1 tbody tr:not(.section) th { padding-left: 18px; }
    table.table1 tbody tr.level th { padding-left: 36px; font-weight: normal; }
    .num { text-align: right; font-variant-numeric: tabular-nums; }
    td.num { white-space: nowrap; }
    table.data th.num, table.data td.num { text-align: right; }
    .missing { color: #666; font-size: 0.85em; }
    .note-mark { color: #a33; }
    sup { font-size: 0.72em; line-height: 0; vertical-align: baseline; position: relative; top: -0.45em; }
    ul.table-tests { list-style: none; padding-left: 0; margin: 2px 0; }
    .notes, .table-notes { font-size: 12.5px; color: #444; }
    .notes { border-left: 3px solid #c98; padding: 2px 10px; margin: 6px 0; background: #fdf8f4; }
    .notes-title { font-weight: bold; margin: 2px 0; }
    .notes ul { margin: 2px 0 4px; padding-left: 18px; }
    .absent { color: #555; font-style: italic; }
    dl { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; }
    dt { font-weight: bold; }
    dd { margin: 0; }
    bdi { unicode-bidi: isolate; }
    table.sensitivity-outcomes col.c-label { width: 40%; } table.sensitivity-outcomes col.c-group { width: 17%; }
    table.sensitivity-outcomes col.c-p { width: 10%; } col.c-effect { width: 26%; }
    table.sensitivity-outcomes.with-effects col.c-label { width: 30%; } table.sensitivity-outcomes.with-effects col.c-group { width: 15%; }
    col.c-setting { width: 28%; } col.c-value { width: 72%; }
    table.protocol-table td { font-size: 0.95em; }
    figure.forest .panel svg { max-width: 760px; }
    ul.file-list { font-size: 13px; columns: 2; column-gap: 28px; }
    @page {
      size: A4; margin: 14mm 12mm 16mm;
      @bottom-center { content: "Page " counter(page) " of " counter(pages); font-family: "Helvetica Neue", Helvetica, Arial, "Liberation Sans", "DejaVu Sans", sans-serif; font-size: 8pt; color: #555; }
    }
    @media print {
      body { max-width: none; padding: 0; font-size: 10pt; }
      h2 { font-size: 16pt; }
      h3 { font-size: 12.5pt; }
      h2, h3, figcaption, caption { break-after: avoid; page-break-after: avoid; }
      nav#contents { break-after: page; page-break-after: always; }
      .analysis-set { break-before: page; page-break-before: always; border-top: none; margin-top: 0; }
      #sensitivity, #methods, #provenance, #exports { break-before: page; page-break-before: always; }
      figcaption, .legend, table.data caption { break-inside: avoid; page-break-inside: avoid; }
      figcaption, .legend, .notes-title { break-after: avoid; page-break-after: avoid; }
      .notes, .table-notes { break-inside: avoid; page-break-inside: avoid; }
      table.protocol-table, table.methods-table { break-inside: auto; page-break-inside: auto; font-size: 8pt; }
      ul.file-list { font-size: 8pt; }
      .panels { grid-template-columns: repeat(2, 1fr); }
      table.data, figcaption, table.data caption { font-size: 8.5pt; }
      a { color: inherit; text-decoration: none; }
    }

    """
}
