# Reference values for DayZero's E-values (EValue) and risk differences (RiskDifference).
# The EValue package is not installable here, so this script computes its documented formulas
# (VanderWeele & Ding 2017; EValue's evalues.RR / evalues.OR / evalues.HR / evalues.MD, true = 1)
# in base R, and the Newcombe hybrid score interval of a risk difference from
# prop.test(correct = FALSE)'s Wilson intervals. Run from this folder: Rscript effects.R
source("json_writer.R")

threshold <- function(x) { if (x < 1) x <- 1 / x; x + sqrt(x * (x - 1)) }
# est, lo, hi on the RR scale (lo = 0 / hi = Inf for an unbounded limit).
evalue_rr <- function(est, lo, hi) {
  e <- threshold(est)
  lim <- if (est > 1) { if (lo <= 1) 1 else threshold(lo) }
         else if (est < 1) { if (hi >= 1) 1 else threshold(hi) } else 1
  c(e, lim)
}
hr_common <- function(hr) (1 - 0.5^sqrt(hr)) / (1 - 0.5^sqrt(1 / hr))

cases <- list()
add <- function(measure, common, est, lo, hi, se = NULL) {
  rr <- switch(measure,
    rr = c(est, lo, hi),
    or = if (common) sqrt(c(est, lo, hi)) else c(est, lo, hi),
    hr = if (common) hr_common(c(est, lo, hi)) else c(est, lo, hi),
    md = exp(c(0.91 * est, 0.91 * est - 1.78 * se, 0.91 * est + 1.78 * se)))
  ev <- evalue_rr(rr[1], rr[2], rr[3])
  cases[[length(cases) + 1]] <<- list(
    measure = measure, common = common, estimate = est,
    lower = if (is.finite(lo)) lo else NULL, upper = if (is.finite(hi)) hi else NULL,
    se = se, rr = rr[1], rr_lower = rr[2], rr_upper = if (is.finite(rr[3])) rr[3] else NULL,
    evalue = ev[1], evalue_limit = ev[2])
}
add("rr", FALSE, 3.9, 1.8, 8.7)        # VanderWeele & Ding's example: 7.26 and 3.02
add("rr", FALSE, 0.8, 0.71, 0.91)
add("rr", FALSE, 1.3, 0.9, 1.9)        # interval crosses 1
add("rr", FALSE, 0.5, 0.2, Inf)        # unbounded upper limit
add("or", FALSE, 2.5, 1.2, 5.1)
add("or", TRUE, 2.5, 1.2, 5.1)
add("or", TRUE, 0.3, 0.1, 0.95)
add("or", TRUE, 0.6, 0.2, 1.8)
add("hr", FALSE, 0.56, 0.33, 0.95)
add("hr", TRUE, 0.56, 0.33, 0.95)
add("hr", TRUE, 2.2, 1.1, 4.4)
add("hr", TRUE, 1.4, 0.7, 2.8)
add("hr", TRUE, 0.4, 0, 0.9)           # lower limit 0 stays 0
add("md", FALSE, 0.5, NA, NA, se = 0.1)
add("md", FALSE, -0.3, NA, NA, se = 0.25)

rd <- list()
for (tab in list(c(7, 21, 12, 21), c(0, 10, 3, 12), c(5, 5, 2, 9), c(13, 40, 13, 40), c(1, 30, 29, 30))) {
  a <- prop.test(tab[1], tab[2], correct = FALSE)$conf.int
  b <- prop.test(tab[3], tab[4], correct = FALSE)$conf.int
  p1 <- tab[1] / tab[2]; p2 <- tab[3] / tab[4]; d <- p1 - p2
  rd[[length(rd) + 1]] <- list(
    x1 = tab[1], n1 = tab[2], x2 = tab[3], n2 = tab[4], difference = d,
    wilson1 = I(as.numeric(a)), wilson2 = I(as.numeric(b)),
    lower = d - sqrt((p1 - a[1])^2 + (b[2] - p2)^2),
    upper = d + sqrt((a[2] - p1)^2 + (p2 - b[1])^2))
}
write_json_file(list(evalues = cases, risk_differences = rd), "effects.json")
cat(sprintf("wrote %d E-value and %d risk-difference cases\n", length(cases), length(rd)))
