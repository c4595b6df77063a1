# Reference values for DayZeroStats special functions and distributions.
# Run from this directory:  Rscript distributions.R   (writes distributions.json)
# R 4.2.2. Every number is written with sprintf("%.17g") (full precision; jsonlite's
# data-frame writer rounds to 15 digits), so the Swift tests compare against exactly what R
# computes. Non-finite values are never written (cases producing them are filtered out).
# Inputs in the deep tails are chosen by inverting R's own quantile functions, but the
# expected values are R's p-functions evaluated at those inputs, not the targets.
num <- function(v) {
  stopifnot(all(is.finite(v)))
  sprintf("%.17g", v)
}
rows_json <- function(df) {
  rows <- vapply(seq_len(nrow(df)), function(i) {
    fields <- vapply(names(df), function(col) sprintf("\"%s\":%s", col, num(df[[col]][i])), "")
    paste0("{", paste(fields, collapse = ","), "}")
  }, "")
  paste0("[\n", paste(rows, collapse = ",\n"), "\n]")
}
write_fixture <- function(sections, path) {
  body <- vapply(names(sections), function(name) {
    value <- sections[[name]]
    if (is.character(value)) sprintf("\"%s\":\"%s\"", name, value)
    else sprintf("\"%s\":%s", name, rows_json(value))
  }, "")
  writeLines(paste0("{\n", paste(body, collapse = ",\n"), "\n}"), path)
}

tail_targets <- c(0.4, 0.05, 1e-3, 1e-8, 1e-14, 1e-30, 1e-100, 1e-200, 1e-300)
finite <- function(v) is.finite(v)

# ---- log-gamma -------------------------------------------------------------------------
lg_x <- c(1e-300, 1e-10, 1e-3, 0.1, 0.5, 0.9, 1, 1.5, 2, 2.5, 3, 7.25, 10, 15.5, 16, 100.3,
          1234.5, 1e5, 1e10, 1e100, 1e300)
lgamma_cases <- data.frame(x = lg_x, value = lgamma(lg_x))

# ---- regularized incomplete beta ---------------------------------------------------------
pbeta_cases <- list()
for (a in c(0.5, 1, 2.5, 10, 50, 1000, 1e5)) for (b in c(0.5, 1, 3, 10, 250, 1e5)) {
  xs <- c(1e-10, 1e-3, 0.1, 0.5, 0.9, 0.999, a / (a + b),
          qbeta(c(1e-12, 1e-100), a, b), qbeta(c(1e-12, 1e-100), a, b, lower.tail = FALSE))
  xs <- unique(xs[xs > 0 & xs < 1])
  pbeta_cases[[length(pbeta_cases) + 1]] <- data.frame(
    x = xs, a = a, b = b, lower = pbeta(xs, a, b), upper = pbeta(xs, a, b, lower.tail = FALSE))
}
pbeta_cases <- do.call(rbind, pbeta_cases)

# ---- regularized incomplete gamma ---------------------------------------------------------
pgamma_cases <- list()
for (a in c(0.25, 0.5, 1, 3.7, 10, 100, 1e4, 1e6)) {
  xs <- c(1e-8, 0.5, a, a + 1, 2 * a + 5, qgamma(c(1e-14, 1e-200), a),
          qgamma(tail_targets, a, lower.tail = FALSE))
  xs <- unique(xs[is.finite(xs) & xs > 0])
  pgamma_cases[[length(pgamma_cases) + 1]] <- data.frame(
    x = xs, a = a, lower = pgamma(xs, a), upper = pgamma(xs, a, lower.tail = FALSE))
}
pgamma_cases <- do.call(rbind, pgamma_cases)

# ---- normal ----------------------------------------------------------------------------
nx <- c(-38, -37.5, -30, -20, -10, -8.3, -5, -3, -1.96, -1, -0.3, -1e-8, 0, 1e-8, 0.3, 1,
        1.959963984540054, 3, 5, 8.3, 10, 20, 30, 37.5, 38,
        qnorm(tail_targets, lower.tail = FALSE))
pnorm_cases <- data.frame(x = nx, lower = pnorm(nx), upper = pnorm(nx, lower.tail = FALSE),
                          density = dnorm(nx))
np <- c(1e-300, 1e-200, 1e-100, 1e-30, 1e-14, 1e-8, 1e-3, 0.01, 0.025, 0.05, 0.0749, 0.075,
        0.1, 0.2, 0.3, 0.4, 0.4999999, 0.5, 0.5000001, 0.6, 0.8, 0.9, 0.925, 0.95, 0.975,
        0.99, 0.999, 1 - 1e-8, 1 - 1e-14)
qnorm_cases <- data.frame(p = np, q = qnorm(np))

# ---- Student t -------------------------------------------------------------------------
t_dfs <- c(0.5, 1, 2, 3, 4.7, 7.3456, 10, 29.8, 100, 1234.567, 1e5, 5e5)
pt_cases <- list()
for (df in t_dfs) {
  ts <- c(-50, -3, -1, -1e-6, 0, 1e-6, 0.5, 2, 3, 12.5, qt(tail_targets, df, lower.tail = FALSE))
  ts <- unique(ts[is.finite(ts)])
  pt_cases[[length(pt_cases) + 1]] <- data.frame(
    t = ts, df = df, lower = pt(ts, df), upper = pt(ts, df, lower.tail = FALSE),
    two_sided = 2 * pt(-abs(ts), df))
}
pt_cases <- do.call(rbind, pt_cases)
qt_cases <- list()
for (df in t_dfs) {
  ps <- c(1e-300, 1e-100, 1e-14, 1e-8, 1e-3, 0.025, 0.05, 0.2, 0.3, 0.4999, 0.6, 0.8, 0.95, 0.975, 0.995)
  qs <- qt(ps, df)
  keep <- is.finite(qs)
  # R's qt is itself inexact far out (e.g. qt(1e-300, 3) is 2e-8 off). Its own round-trip
  # error pt(qt(p))/p - 1, divided by the condition number kappa = |q f(q) / tail| (relative
  # change of the tail per relative change of q), estimates R's relative error in q; the
  # test compares to R only where that estimate is tiny, and checks its own round trip elsewhere.
  qt_cases[[length(qt_cases) + 1]] <- data.frame(
    p = ps[keep], df = df, q = qs[keep],
    r_roundtrip = pmin(pt(qs[keep], df), pt(qs[keep], df, lower.tail = FALSE)) / pmin(ps[keep], 1 - ps[keep]) - 1,
    kappa = abs(qs[keep]) * dt(qs[keep], df) / pmin(ps[keep], 1 - ps[keep]))
}
qt_cases <- do.call(rbind, qt_cases)

# ---- F ---------------------------------------------------------------------------------
pf_cases <- list()
for (d in list(c(1, 1), c(1, 10), c(2, 5.5), c(3, 17.38), c(5, 1e3), c(0.5, 2), c(10, 0.5),
               c(4, 2.3), c(20, 8e4), c(1e4, 1e4), c(2, 1.5e5), c(7.3, 523.71))) {
  xs <- c(1e-8, 0.1, 0.5, 1, 2, 5, qf(tail_targets, d[1], d[2], lower.tail = FALSE))
  xs <- unique(xs[is.finite(xs) & xs > 0])
  pf_cases[[length(pf_cases) + 1]] <- data.frame(
    x = xs, df1 = d[1], df2 = d[2], lower = pf(xs, d[1], d[2]),
    upper = pf(xs, d[1], d[2], lower.tail = FALSE))
}
pf_cases <- do.call(rbind, pf_cases)

# ---- chi-squared -----------------------------------------------------------------------
chi_dfs <- c(0.5, 1, 2, 3, 4.5, 10, 37.2, 100, 1e4, 1e6)
pchisq_cases <- list()
qchisq_cases <- list()
for (df in chi_dfs) {
  xs <- c(1e-10, 0.01, 1, df, 2 * df + 10, qchisq(tail_targets, df, lower.tail = FALSE))
  xs <- unique(xs[is.finite(xs) & xs > 0])
  pchisq_cases[[length(pchisq_cases) + 1]] <- data.frame(
    x = xs, df = df, lower = pchisq(xs, df), upper = pchisq(xs, df, lower.tail = FALSE))
  ps <- c(1e-300, 1e-30, 1e-8, 1e-3, 0.025, 0.05, 0.3, 0.5, 0.7, 0.95, 0.975, 0.999, 1 - 1e-10)
  qs <- qchisq(ps, df)
  keep <- is.finite(qs) & qs > 0
  qchisq_cases[[length(qchisq_cases) + 1]] <- data.frame(
    p = ps[keep], df = df, q = qs[keep],
    r_roundtrip = ifelse(ps[keep] < 0.5, pchisq(qs[keep], df) / ps[keep] - 1,
                         pchisq(qs[keep], df, lower.tail = FALSE) / (1 - ps[keep]) - 1),
    kappa = qs[keep] * dchisq(qs[keep], df) / pmin(ps[keep], 1 - ps[keep]))
}
pchisq_cases <- do.call(rbind, pchisq_cases)
qchisq_cases <- do.call(rbind, qchisq_cases)

# ---- hypergeometric --------------------------------------------------------------------
hyper_cases <- list()
for (mnk in list(c(3, 2, 2), c(10, 7, 8), c(50, 30, 40), c(1000, 2000, 500), c(12, 40, 30),
                 c(50000, 50000, 30000), c(100, 1e5, 5000), c(1, 1, 1))) {
  m <- mnk[1]; n <- mnk[2]; k <- mnk[3]
  lo <- max(0, k - n); hi <- min(k, m)
  xs <- unique(round(c(lo, lo + 1, hi - 1, hi, k * m / (m + n), seq(lo, hi, length.out = 9))))
  xs <- xs[xs >= lo & xs <= hi]
  hyper_cases[[length(hyper_cases) + 1]] <- data.frame(
    x = xs, m = m, n = n, k = k, d = dhyper(xs, m, n, k), logd = dhyper(xs, m, n, k, log = TRUE),
    lower = phyper(xs, m, n, k), upper = phyper(xs, m, n, k, lower.tail = FALSE))
}
hyper_cases <- do.call(rbind, hyper_cases)

out <- list(
  r_version = R.version.string,
  lgamma = lgamma_cases, pbeta = pbeta_cases, pgamma = pgamma_cases,
  pnorm = pnorm_cases, qnorm = qnorm_cases, pt = pt_cases, qt = qt_cases,
  pf = pf_cases, pchisq = pchisq_cases, qchisq = qchisq_cases, hyper = hyper_cases)
write_fixture(out, "distributions.json")
