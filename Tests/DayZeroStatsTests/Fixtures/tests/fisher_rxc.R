# Reference values for DayZeroStats' r x c Fisher exact test (FisherExactTest.testRxC) and
# the gtsummary-style choice between chi-square and Fisher. Run from this directory:
#   Rscript fisher_rxc.R  -> fisher_rxc.json
# R 4.2.2 (x86-64). Datasets ship with R (datasets package); random cases are seeded.
source("json_writer.R")

# gtsummary 2.x default for a categorical row (add_p -> assign_tests): expected counts
# (rowSums(q) x colSums(q)) * N with q = proportions(table); chi-square without correction
# when the minimum is >= 5 (or NaN), Fisher otherwise. Same arithmetic as gtsummary, base R.
gtsummary_choice <- function(m) {
  q <- proportions(m)
  e <- expand.grid(rowSums(q), colSums(q))
  min_exp <- min(e$Var1 * e$Var2 * sum(m))
  if (isTRUE(min_exp >= 5 || is.nan(min_exp))) "pearsonChiSquare" else "fisherExact"
}

fisher_case <- function(name, m) {
  m <- as.matrix(m)
  storage.mode(m) <- "integer"
  r <- fisher.test(m)
  list(name = name,
       table = lapply(seq_len(nrow(m)), function(i) I(unname(m[i, ]))),
       p = r$p.value,
       choice = gtsummary_choice(m))
}

# ?fisher.test: Job satisfaction by income (Agresti 2002, p. 57).
Job <- matrix(c(1, 2, 1, 0, 3, 3, 6, 1, 10, 10, 14, 9, 6, 7, 12, 11), 4, 4)
# Random r x 2 and r x c tables, including zeros, tiny and unbalanced margins.
set.seed(20251204)
rand_table <- function(r, c, n, probs = NULL) {
  cells <- sample.int(r * c, n, replace = TRUE, prob = probs)
  matrix(tabulate(cells, r * c), r, c)
}
seeded <- list(
  fisher_case("seeded 3x2 n=12", rand_table(3, 2, 12)),
  fisher_case("seeded 4x2 n=20", rand_table(4, 2, 20)),
  fisher_case("seeded 5x2 n=30", rand_table(5, 2, 30)),
  fisher_case("seeded 6x2 n=40 unbalanced", rand_table(6, 2, 40, probs = c(8, 4, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1))),
  fisher_case("seeded 8x2 n=25 sparse", rand_table(8, 2, 25)),
  fisher_case("seeded 3x2 n=150 unbalanced groups", rand_table(3, 2, 150, probs = c(10, 5, 1, 3, 2, 1))),
  fisher_case("seeded 4x2 n=300", rand_table(4, 2, 300, probs = c(4, 3, 2, 1, 3, 3, 2, 2))),
  fisher_case("seeded 3x3 n=20", rand_table(3, 3, 20)),
  fisher_case("seeded 3x4 n=25", rand_table(3, 4, 25)),
  fisher_case("seeded 4x3 n=30 with zeros", rand_table(4, 3, 30, probs = c(5, 0, 3, 1, 4, 0, 2, 1, 3, 1, 0, 2))),
  fisher_case("seeded 5x3 n=24", rand_table(5, 3, 24)),
  fisher_case("seeded 4x4 n=18", rand_table(4, 4, 18)),
  fisher_case("seeded 2x5 n=30", rand_table(2, 5, 30)),
  fisher_case("seeded 3x5 n=20", rand_table(3, 5, 20))
)

cases <- c(list(
  fisher_case("hand 3x2 [[3,0],[1,2],[0,1]] p = 8/35", matrix(c(3, 1, 0, 0, 2, 1), 3, 2)),
  fisher_case("2x2 tea tasting (R's 2x2 path)", matrix(c(3, 1, 1, 3), 2, 2)),
  fisher_case("2x2 unbalanced (R's 2x2 path)", matrix(c(12, 2, 5, 9), 2, 2)),
  fisher_case("3x2 zero row (FEXACT drops it)", matrix(c(3, 0, 1, 0, 0, 4), 3, 2)),
  fisher_case("3x3 zero column", matrix(c(2, 3, 1, 0, 0, 0, 4, 1, 5), 3, 3)),
  fisher_case("3x2 one non-empty column (p = 1)", matrix(c(1, 2, 3, 0, 0, 0), 3, 2)),
  fisher_case("3x2 diagonal-ish", matrix(c(5, 0, 0, 0, 4, 3), 3, 2)),
  fisher_case("mtcars cyl x am", table(mtcars$cyl, mtcars$am)),
  fisher_case("mtcars gear x am", table(mtcars$gear, mtcars$am)),
  fisher_case("mtcars carb x am", table(mtcars$carb, mtcars$am)),
  fisher_case("mtcars cyl x gear", table(mtcars$cyl, mtcars$gear)),
  fisher_case("mtcars carb x vs", table(mtcars$carb, mtcars$vs)),
  fisher_case("Job satisfaction (?fisher.test)", Job),
  fisher_case("warpbreaks tension x breaks>30", table(warpbreaks$tension, warpbreaks$breaks > 30)),
  fisher_case("warpbreaks wool x tension (balanced, p = 1)", table(warpbreaks$wool, warpbreaks$tension)),
  fisher_case("infert education x case", table(infert$education, infert$case)),
  fisher_case("infert spontaneous x case", table(infert$spontaneous, infert$case)),
  fisher_case("infert induced x case", table(infert$induced, infert$case)),
  fisher_case("esoph agegp x alcgp (rows with cases)", table(esoph$agegp[esoph$ncases > 0], esoph$alcgp[esoph$ncases > 0])),
  fisher_case("esoph tobgp x ncases>=2", table(esoph$tobgp, esoph$ncases >= 2)),
  fisher_case("chickwts feed x weight>300", table(chickwts$feed, chickwts$weight > 300)),
  fisher_case("airquality Month x Ozone>60", table(airquality$Month, airquality$Ozone > 60)),
  fisher_case("PlantGrowth group x weight>5", table(PlantGrowth$group, PlantGrowth$weight > 5)),
  fisher_case("ToothGrowth dose x len>20 x supp OJ", table(ToothGrowth$dose[ToothGrowth$supp == "OJ"],
                                                           ToothGrowth$len[ToothGrowth$supp == "OJ"] > 20)),
  fisher_case("tiny p: 4x2 separated n=60", matrix(c(15, 15, 0, 0, 0, 0, 15, 15), 4, 2))
), seeded)

# The choice rule at exact ties r*c = 5N, where gtsummary's floating product can fall below 5.
choice_case <- function(name, m) {
  m <- as.matrix(m)
  list(name = name, table = lapply(seq_len(nrow(m)), function(i) I(as.integer(m[i, ]))),
       choice = gtsummary_choice(m), min_expected_exact = min(outer(rowSums(m), colSums(m))) / sum(m))
}
set.seed(7)
ties <- list()
while (length(ties) < 40) {
  N <- sample(10:400, 1); r <- sample(1:N, 1)
  if ((5 * N) %% r != 0) next
  cc <- 5 * N / r
  if (cc > N || cc < 1 || r == N || cc == N) next
  lo <- max(0, r + cc - N); hi <- min(r, cc)
  a <- if (lo == hi) lo else sample(lo:hi, 1)
  m <- matrix(c(a, r - a, cc - a, N - r - cc + a), 2, 2)
  if (min(outer(rowSums(m), colSums(m))) < 5 * N) next
  ties[[length(ties) + 1]] <- choice_case(sprintf("tie N=%d r=%d c=%d", N, r, cc), m)
}
choices <- c(list(
  choice_case("all expected >= 5", matrix(c(20, 15, 10, 18, 14, 12), 3, 2)),
  choice_case("one expected < 5", matrix(c(20, 15, 2, 18, 14, 3), 3, 2)),
  choice_case("empty level (factor) -> expected 0", matrix(c(20, 15, 0, 18, 14, 0), 3, 2)),
  choice_case("N = 100, level of 10 in groups of 50", matrix(c(5, 20, 25, 5, 22, 23), 3, 2))
), ties)

# A broad sweep: 200 seeded random tables, 2-6 rows x 2-4 columns, N = 2-60, skewed cell
# probabilities (many zeros, tiny and unbalanced margins, near-ties of probability).
set.seed(99)
sweep <- list()
while (length(sweep) < 200) {
  r <- sample(2:6, 1); c <- sample(2:4, 1); n <- sample(2:60, 1)
  probs <- rexp(r * c)^2
  m <- matrix(tabulate(sample.int(r * c, n, replace = TRUE, prob = probs), r * c), r, c)
  if (r * c > 16 && n > 45) next
  p <- tryCatch(fisher.test(m, workspace = 2e7)$p.value, error = function(e) NA)
  if (is.na(p)) next
  sweep[[length(sweep) + 1]] <- list(table = lapply(seq_len(r), function(i) I(m[i, ])), p = p)
}

write_json_file(list(r_version = R.version.string, cases = cases, choices = choices, sweep = sweep), "fisher_rxc.json")
cat(length(sweep), "sweep cases,", length(cases), "fisher cases,", length(choices), "choice cases;",
    sum(vapply(choices, function(x) x$choice == "fisherExact", TRUE)), "choose Fisher\n")
