# Reference values for DayZeroStats descriptive statistics. Run from this directory:
#   Rscript descriptive.R   -> descriptive.json      (R 4.2.2, full precision)
source("json_writer.R")
probs <- c(0, 0.1, 0.25, 0.5, 0.75, 0.9, 0.975, 1)

quantile_case <- function(name, x) {
  list(name = name, x = I(x), probs = I(probs), quantiles = I(unname(quantile(x, probs, na.rm = TRUE, type = 7))),
       n = sum(!is.na(x)), missing = sum(is.na(x)))
}
set.seed(5)
quantiles <- list(
  quantile_case("hand unsorted 5 values with a missing", c(7, 1, NA, 3, 10, 4)),
  quantile_case("single value", c(42.5)),
  quantile_case("two values", c(3, 1)),
  quantile_case("ties", c(2, 2, 2, 5, 5, 1)),
  quantile_case("mtcars mpg", mtcars$mpg),
  quantile_case("airquality Ozone (NA)", airquality$Ozone),
  quantile_case("airquality Solar.R (NA)", airquality$Solar.R),
  quantile_case("seeded lognormal 101", rlnorm(101)),
  quantile_case("negative and large offset", 1e9 + rnorm(17))
)

gm_case <- function(name, x, conf.level = 0.95) {
  lx <- log(x[!is.na(x)])
  tt <- t.test(lx, conf.level = conf.level)
  list(name = name, x = I(x), conf_level = conf.level, estimate = exp(mean(lx)),
       lower = exp(tt$conf.int[1]), upper = exp(tt$conf.int[2]), log_mean = mean(lx), log_sd = sd(lx),
       n = length(lx), missing = sum(is.na(x)))
}
geometric <- list(
  gm_case("hand 1, 10, 100 (GM = 10)", c(100, 1, 10)),
  gm_case("mtcars mpg", mtcars$mpg),
  gm_case("airquality Ozone (NA)", airquality$Ozone),
  gm_case("airquality Ozone 90%", airquality$Ozone, 0.9),
  gm_case("seeded lognormal 2 values", rlnorm(2, 1, 0.5)),
  gm_case("seeded lognormal 250", rlnorm(250, 3, 1.2))
)

prop_case <- function(x, n, correct, conf.level = 0.95) {
  r <- prop.test(x, n, correct = correct, conf.level = conf.level)
  list(count = x, total = n, correct = correct, conf_level = conf.level,
       lower = r$conf.int[1], upper = r$conf.int[2])
}
proportions <- list()
for (xn in list(c(0, 10), c(1, 10), c(5, 10), c(9, 10), c(10, 10), c(37, 120), c(3, 4000), c(60, 120)))
  for (correct in c(TRUE, FALSE))
    proportions[[length(proportions) + 1]] <- prop_case(xn[1], xn[2], correct)
proportions[[length(proportions) + 1]] <- prop_case(37, 120, TRUE, 0.99)

write_json_file(list(r_version = R.version.string, quantiles = quantiles, geometric = geometric,
                     proportions = proportions), "descriptive.json")
