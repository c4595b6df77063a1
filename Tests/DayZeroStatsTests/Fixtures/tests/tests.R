# Reference values for DayZeroStats hypothesis tests (t tests, Wilcoxon rank-sum, Fisher's
# exact 2x2, Pearson chi-square). Run from this directory:  Rscript tests.R  -> tests.json
# R 4.2.2. Datasets ship with R (datasets package); random cases are seeded.
source("json_writer.R")

# ---- t tests ---------------------------------------------------------------------------
ttest_case <- function(name, x, y = NULL, paired = FALSE, var.equal = FALSE, mu = 0,
                       alternative = "two.sided", conf.level = 0.95) {
  r <- if (is.null(y)) t.test(x, mu = mu, alternative = alternative, conf.level = conf.level)
       else t.test(x, y, paired = paired, var.equal = var.equal, mu = mu,
                   alternative = alternative, conf.level = conf.level)
  method <- if (is.null(y)) "one-sample" else if (paired) "paired" else if (var.equal) "student" else "welch"
  list(name = name, method = method, x = I(x), y = if (is.null(y)) NULL else I(y), mu = mu,
       alternative = alternative, conf_level = conf.level,
       statistic = unname(r$statistic), df = unname(r$parameter), p = r$p.value,
       ci_lower = r$conf.int[1], ci_upper = r$conf.int[2], stderr = r$stderr,
       estimate = if (is.null(y) || paired) unname(r$estimate[1]) else unname(r$estimate[1] - r$estimate[2]))
}
sleep1 <- sleep$extra[sleep$group == 1]
sleep2 <- sleep$extra[sleep$group == 2]
oz5 <- airquality$Ozone[airquality$Month == 5]
oz8 <- airquality$Ozone[airquality$Month == 8]
set.seed(20240301)
u1 <- rnorm(3, 5, 2); u2 <- rnorm(40, 4, 1)
s1 <- rnorm(2, 0, 1); s2 <- rnorm(2, 1, 1)
big1 <- seq(1, 2, length.out = 1000); big2 <- big1 + 1e4
with_offset <- 1e6 + rnorm(15)
ttests <- list(
  ttest_case("sleep welch", sleep1, sleep2),
  ttest_case("sleep student", sleep1, sleep2, var.equal = TRUE),
  ttest_case("sleep paired", sleep1, sleep2, paired = TRUE),
  ttest_case("sleep paired less 90%", sleep1, sleep2, paired = TRUE, alternative = "less", conf.level = 0.9),
  ttest_case("mtcars mpg by am welch", mtcars$mpg[mtcars$am == 0], mtcars$mpg[mtcars$am == 1]),
  ttest_case("mtcars mpg by am student greater", mtcars$mpg[mtcars$am == 0], mtcars$mpg[mtcars$am == 1],
             var.equal = TRUE, alternative = "greater"),
  ttest_case("mtcars mpg one-sample mu 20", mtcars$mpg, mu = 20),
  ttest_case("ToothGrowth len by supp welch", ToothGrowth$len[ToothGrowth$supp == "OJ"],
             ToothGrowth$len[ToothGrowth$supp == "VC"]),
  ttest_case("ToothGrowth paired by dose order", ToothGrowth$len[ToothGrowth$supp == "OJ"],
             ToothGrowth$len[ToothGrowth$supp == "VC"], paired = TRUE),
  ttest_case("airquality Ozone May vs Aug (NA)", oz5, oz8),
  ttest_case("airquality Ozone May vs Aug student (NA)", oz5, oz8, var.equal = TRUE),
  ttest_case("airquality Ozone paired May/Aug first 31 (NA pairs)", oz5[1:31], oz8[1:31], paired = TRUE),
  ttest_case("seeded unbalanced 3 vs 40", u1, u2),
  ttest_case("seeded unbalanced 3 vs 40 student mu 0.5", u1, u2, var.equal = TRUE, mu = 0.5),
  ttest_case("seeded 2 vs 2", s1, s2),
  ttest_case("seeded 2 vs 2 student 99%", s1, s2, var.equal = TRUE, conf.level = 0.99),
  ttest_case("student n=1 vs 3", c(2.5), c(1, 2, 4.5), var.equal = TRUE),
  ttest_case("huge t (underflow)", big1, big2),
  ttest_case("large common offset one-sample", with_offset, mu = 1e6)
)

# ---- Wilcoxon rank-sum ---------------------------------------------------------------------
wilcox_case <- function(name, x, y, alternative = "two.sided", exact = NULL, correct = TRUE) {
  r <- suppressWarnings(wilcox.test(x, y, alternative = alternative, exact = exact, correct = correct))
  list(name = name, x = I(x), y = I(y), alternative = alternative,
       exact = if (is.null(exact)) "automatic" else if (exact) "exact" else "normal",
       correct = correct, statistic = unname(r$statistic), p = r$p.value,
       r_method = r$method)
}
set.seed(42)
w_small_x <- round(rnorm(12, 1, 1), 6); w_small_y <- round(rnorm(9, 0, 1), 6)
w_big_x <- rnorm(60, 0.3); w_big_y <- rnorm(55)
w_tie_x <- sample(1:6, 14, replace = TRUE); w_tie_y <- sample(2:7, 11, replace = TRUE)
w_49_x <- rnorm(49, 0.5); w_49_y <- rnorm(49)
wilcox <- list(
  wilcox_case("hand 3 vs 2 exact p = 2/10", c(3.3, 4.4, 2.2), c(0.5, 1.1)),
  wilcox_case("hand 3 vs 2 greater p = 1/10", c(3.3, 4.4, 2.2), c(0.5, 1.1), alternative = "greater"),
  wilcox_case("n=1 vs 5 exact", c(2.5), c(0.1, 3.7, 1.2, 5.5, 4.1)),
  wilcox_case("seeded 12 vs 9 exact", w_small_x, w_small_y),
  wilcox_case("seeded 12 vs 9 exact less", w_small_x, w_small_y, alternative = "less"),
  wilcox_case("seeded 12 vs 9 normal no correction", w_small_x, w_small_y, exact = FALSE, correct = FALSE),
  wilcox_case("seeded 49 vs 49 exact", w_49_x, w_49_y),
  wilcox_case("seeded 60 vs 55 normal", w_big_x, w_big_y),
  wilcox_case("seeded 60 vs 55 normal greater", w_big_x, w_big_y, alternative = "greater"),
  wilcox_case("seeded ties 14 vs 11", w_tie_x, w_tie_y),
  wilcox_case("seeded ties 14 vs 11 less no correction", w_tie_x, w_tie_y, alternative = "less", correct = FALSE),
  wilcox_case("sleep (ties)", sleep1, sleep2),
  wilcox_case("mtcars mpg by am (ties)", mtcars$mpg[mtcars$am == 0], mtcars$mpg[mtcars$am == 1]),
  wilcox_case("ToothGrowth len by supp (ties)", ToothGrowth$len[ToothGrowth$supp == "OJ"],
              ToothGrowth$len[ToothGrowth$supp == "VC"]),
  wilcox_case("airquality Ozone May vs Aug (NA, ties)", oz5, oz8),
  wilcox_case("exact requested with ties falls back", w_tie_x, w_tie_y, exact = TRUE)
)

# Exact conditional distribution with ties, by brute-force enumeration of all subsets
# (coin is not installed; this is the definition coin's exact wilcox_test implements).
exact_conditional <- function(x, y) {
  r <- rank(c(x, y)); nx <- length(x)
  w <- sum(r[seq_len(nx)]) - nx * (nx + 1) / 2
  sums <- combn(length(r), nx, function(i) sum(r[i])) - nx * (nx + 1) / 2
  lower <- mean(sums <= w + 1e-9); upper <- mean(sums >= w - 1e-9)
  list(x = I(x), y = I(y), statistic = w, p_two_sided = min(1, 2 * min(lower, upper)),
       p_less = lower, p_greater = upper)
}
set.seed(7)
conditional <- list(
  exact_conditional(c(1, 2, 2, 3, 5, 5, 5, 8), c(2, 3, 3, 4, 6, 9)),
  exact_conditional(sample(1:4, 7, TRUE), sample(2:5, 6, TRUE)),
  exact_conditional(c(3.3, 4.4, 2.2), c(0.5, 1.1))
)

# ---- Fisher's exact test 2x2 ----------------------------------------------------------
# R's estimate and interval come from uniroot with tol ~1.2e-4; alongside them we record the
# same roots solved to 1e-13 (same equations: E[X | psi] = x, P(X >= x | psi) = alpha/2,
# P(X <= x | psi) = alpha/2), which the Swift tests compare at 1e-9.
precise_fisher <- function(tab, conf.level = 0.95) {
  m <- sum(tab[, 1]); n <- sum(tab[, 2]); k <- sum(tab[1, ]); x <- tab[1, 1]
  lo <- max(0, k - n); hi <- min(k, m); support <- lo:hi
  logdc <- dhyper(support, m, n, k, log = TRUE)
  dn <- function(theta) { d <- logdc + theta * support; d <- exp(d - max(d)); d / sum(d) }
  mean_at <- function(theta) sum(support * dn(theta))
  solve <- function(f) uniroot(f, c(-60, 60), tol = 1e-13, maxiter = 10000)$root
  est <- if (x == lo) 0 else if (x == hi) Inf else exp(solve(function(t) mean_at(t) - x))
  alpha <- (1 - conf.level) / 2
  lower <- if (x == lo) 0 else exp(solve(function(t) sum(dn(t)[support >= x]) - alpha))
  upper <- if (x == hi) Inf else exp(solve(function(t) sum(dn(t)[support <= x]) - alpha))
  c(est, lower, upper)
}
fisher_case <- function(name, tab, alternative = "two.sided") {
  r <- fisher.test(tab, alternative = alternative)
  precise <- precise_fisher(tab)
  list(name = name, table = list(I(tab[1, ]), I(tab[2, ])), alternative = alternative,
       p = r$p.value, r_estimate = unname(r$estimate),
       r_ci_lower = r$conf.int[1], r_ci_upper = r$conf.int[2],
       estimate = precise[1], ci_lower = precise[2], ci_upper = precise[3])
}
esoph_high <- esoph$alcgp %in% c("80-119", "120+")
esoph_tab <- matrix(c(sum(esoph$ncases[esoph_high]), sum(esoph$ncontrols[esoph_high]),
                      sum(esoph$ncases[!esoph_high]), sum(esoph$ncontrols[!esoph_high])),
                    nrow = 2, byrow = TRUE)
set.seed(11)
fisher <- list(
  fisher_case("tea tasting 3/1/1/3 p = 34/70", matrix(c(3, 1, 1, 3), 2, byrow = TRUE)),
  fisher_case("tea tasting greater p = 17/70", matrix(c(3, 1, 1, 3), 2, byrow = TRUE), "greater"),
  fisher_case("tea tasting less p = 69/70", matrix(c(3, 1, 1, 3), 2, byrow = TRUE), "less"),
  fisher_case("esoph alcohol >= 80 g/day by case status", esoph_tab),
  fisher_case("zero cell top-right", matrix(c(7, 0, 3, 5), 2, byrow = TRUE)),
  fisher_case("zero cell top-left", matrix(c(0, 6, 4, 2), 2, byrow = TRUE)),
  fisher_case("large counts", matrix(c(1200, 3400, 980, 4100), 2, byrow = TRUE)),
  fisher_case("large counts strong effect", matrix(c(150, 20, 30, 160), 2, byrow = TRUE)),
  fisher_case("seeded", matrix(rpois(4, 12), 2)),
  fisher_case("seeded unbalanced less", matrix(c(rpois(2, 3), rpois(2, 40)), 2), "less"),
  fisher_case("symmetric ties at 1e-7 rule", matrix(c(5, 5, 5, 5), 2))
)

# ---- Pearson chi-square ----------------------------------------------------------------
chisq_case <- function(name, tab, correct = TRUE) {
  r <- suppressWarnings(chisq.test(tab, correct = correct))
  list(name = name, table = lapply(seq_len(nrow(tab)), function(i) I(unname(tab[i, ]))),
       correct = correct, statistic = unname(r$statistic), df = unname(r$parameter), p = r$p.value,
       expected = lapply(seq_len(nrow(tab)), function(i) I(unname(r$expected[i, ]))))
}
hair_eye <- apply(HairEyeColor, c(1, 2), sum)
set.seed(99)
chisq <- list(
  chisq_case("hand 2x2 Yates", matrix(c(12, 5, 7, 9), 2, byrow = TRUE)),
  chisq_case("hand 2x2 no correction", matrix(c(12, 5, 7, 9), 2, byrow = TRUE), correct = FALSE),
  chisq_case("esoph 2x2 Yates", esoph_tab),
  chisq_case("HairEyeColor hair x eye 4x4", unclass(hair_eye)),
  chisq_case("mtcars cyl x gear 3x3 (small expected)", unclass(table(mtcars$cyl, mtcars$gear))),
  chisq_case("seeded 2x3", matrix(rpois(6, 20), 2)),
  chisq_case("2x2 with |O - E| < 0.5 (Yates c below 1/2)", matrix(c(10, 10, 10, 11), 2, byrow = TRUE)),
  chisq_case("strong association 2x2", matrix(c(900, 100, 100, 900), 2, byrow = TRUE))
)

# ---- Large groups (cohort scale), reproducible from a formula instead of stored data ------
# x_i = ((i * 7919) mod 10007) / 100, i = 1..60000; y_j = ((j * 104729) mod 10009) / 100 + 0.5,
# j = 1..40000 (many ties). The Swift test rebuilds the same numbers.
large_x <- ((1:60000 * 7919) %% 10007) / 100
large_y <- ((1:40000 * 104729) %% 10009) / 100 + 0.5
lw <- wilcox.test(large_x, large_y)
lt <- t.test(large_x, large_y)
large <- list(wilcoxon_statistic = unname(lw$statistic), wilcoxon_p = lw$p.value,
              welch_statistic = unname(lt$statistic), welch_df = unname(lt$parameter), welch_p = lt$p.value)

write_json_file(list(large = large, r_version = R.version.string, ttest = ttests, wilcoxon = wilcox,
                     wilcoxon_conditional = conditional, fisher = fisher, chisq = chisq),
                "tests.json")
