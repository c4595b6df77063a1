# Reference values for DayZeroStats p-value adjustment (R p.adjust). Run from this directory:
#   Rscript padjust.R   -> padjust.json      (R 4.2.2, full precision)
source("json_writer.R")
set.seed(3)
vectors <- list(
  c(0.01, 0.04, 0.03, 0.005),
  c(0.01, NA, 0.04, 0.03, NaN, 0.005),
  c(0.02, 0.02, 0.02, 0.5, 0.001),
  c(0.9, 0.95, 1, 0.8),
  c(1e-300, 1e-10, 0.049, 0.051, 0.2),
  runif(40)^3,
  c(0.3)
)
cases <- lapply(vectors, function(p) list(
  p = I(p), bonferroni = I(p.adjust(p, "bonferroni")), holm = I(p.adjust(p, "holm")),
  BH = I(p.adjust(p, "BH"))))
write_json_file(list(r_version = R.version.string, cases = cases), "padjust.json")
