# Reference values for the continuous-time kinetics models (docs/methods/mixed-model.md,
# "Continuous time"): R's natural cubic spline basis splines::ns, and the type III F test of
# the time x group interaction of
#   lmerTest::lmer(y ~ time * group + (1 | id))                                   (linear)
#   lmerTest::lmer(y ~ ns(time, knots = k, Boundary.knots = b) * group + (1 | id)) (spline)
# Run from this directory:  Rscript continuous_time.R   (writes continuous_time.json)
# R 4.2.2, lme4, lmerTest, nlme (Orthodont); full precision through ../tests/json_writer.R.
suppressPackageStartupMessages({
  library(splines)
  library(lme4)
  library(lmerTest)
  library(nlme)
})
source("../tests/json_writer.R")

# The same tight optimiser as mixed_model.R: theta as converged as BOBYQA gets (~1e-8).
tight <- lmerControl(optimizer = "bobyqa", optCtrl = list(rhobeg = 0.2, rhoend = 1e-12))

# --- ns basis values ----------------------------------------------------------------------
basis_case <- function(name, x, knots, boundary) {
  b <- ns(x, knots = knots, Boundary.knots = boundary)
  list(name = name, x = I(x), knots = I(knots), boundary = I(boundary),
       basis = lapply(seq_len(nrow(b)), function(i) I(unname(b[i, ]))))
}
bases <- list(
  basis_case("two knots, inside and at the ends", c(0, 0.5, 1, 2.25, 3, 4.5, 6, 7.999, 8, 9), c(3, 6), c(0, 9)),
  basis_case("no interior knot", c(-2, -1, 0, 1, 2.5, 3), numeric(0), c(-2, 3)),
  basis_case("one knot, negative window", c(-10, -7.5, -3, 0, 0.25, 4, 10), c(0), c(-10, 10)),
  basis_case("unequal knots, outside the boundary (linear extrapolation)", c(-3, -0.5, 1, 2.5, 5, 12, 20, 26), c(1.5, 4, 11), c(0, 24)),
  basis_case("five knots, fractional", seq(-182, 182, by = 26), c(-120.5, -60, 0, 61.25, 121), c(-182, 182))
)

# --- mixed models -------------------------------------------------------------------------
model_case <- function(name, description, data, time_model, knots = numeric(0), boundary = NULL) {
  d <- data.frame(y = data$y, time = data$time, group = factor(data$group, levels = c("control", "treated")), id = data$id)
  if (time_model == "linear") {
    f <- y ~ time * group + (1 | id)
  } else {
    # no interior knot: written ns(time, df = 1, ...), the same basis (a literal knots = NULL
    # trips lme4::subbars)
    b <- paste(sprintf("%.17g", boundary), collapse = ", ")
    spline <- if (length(knots) == 0) sprintf("ns(time, df = 1, Boundary.knots = c(%s))", b)
              else sprintf("ns(time, knots = c(%s), Boundary.knots = c(%s))", paste(sprintf("%.17g", knots), collapse = ", "), b)
    f <- as.formula(paste("y ~", spline, "* group + (1 | id)"))
  }
  fit <- lmer(f, data = d, REML = TRUE, control = tight)
  s <- summary(fit)$coefficients
  a3 <- anova(fit, type = 3)
  last <- nrow(a3)  # the time x group interaction is the last (highest-order) term
  hyp <- attr(a3, "hypotheses")[[last]]
  list(
    name = name, description = description, timeModel = time_model,
    knots = I(knots), boundary = if (is.null(boundary)) NULL else I(boundary),
    data = list(id = I(as.character(d$id)), time = I(d$time), group = I(as.character(d$group)), y = I(d$y)),
    coefficients = lapply(seq_len(nrow(s)), function(i) list(
      name = rownames(s)[i], estimate = s[i, "Estimate"], se = s[i, "Std. Error"], df = s[i, "df"],
      p = s[i, "Pr(>|t|)"])),
    sigma2 = sigma(fit)^2,
    theta = I(unname(getME(fit, "theta"))),
    interaction = list(term = rownames(a3)[last], numDF = a3[last, "NumDF"], denDF = a3[last, "DenDF"],
                       F = a3[last, "F value"], p = a3[last, "Pr(>F)"],
                       hypothesis = lapply(seq_len(nrow(hyp)), function(i) I(unname(hyp[i, ]))))
  )
}

sleep <- lme4::sleepstudy
sleep_data <- list(
  id = as.character(sleep$Subject), time = sleep$Days,
  # a group made from Subject: every other subject (by factor level) "treated"
  group = ifelse(as.integer(sleep$Subject) %% 2 == 0, "treated", "control"), y = sleep$Reaction)

orth <- nlme::Orthodont
orth_data <- list(id = as.character(orth$Subject), time = orth$age,
                  group = ifelse(orth$Sex == "Female", "treated", "control"), y = orth$distance)

# Seeded unbalanced longitudinal data: 60 patients, periods -6..6 with ~35% of visits
# missing, a group effect growing after period 0, a patient intercept and noise; rows
# shuffled.
set.seed(20261204)
rows <- list()
for (i in 1:60) {
  g <- if (i %% 3 == 0) "treated" else "control"
  b <- rnorm(1, 0, 0.8)
  for (t in -6:6) {
    if (runif(1) < 0.35) next
    mu <- 2 + 0.05 * t - 0.01 * t^2 + (if (g == "treated") 0.2 + 0.12 * max(t, 0) else 0)
    rows[[length(rows) + 1]] <- data.frame(id = sprintf("p%02d", i), time = t, group = g, y = mu + b + rnorm(1, 0, 0.5))
  }
}
rnd <- do.call(rbind, rows)
rnd <- rnd[sample(nrow(rnd)), ]
rnd_data <- list(id = rnd$id, time = rnd$time, group = rnd$group, y = rnd$y)
pre <- rnd[rnd$time <= 0, ]
pre_data <- list(id = pre$id, time = pre$time, group = pre$group, y = pre$y)

# Visits 182 days apart in 6-month periods with a few late visits (nearest period), 25 patients.
set.seed(7)
v <- list()
for (i in 1:25) {
  g <- if (i <= 12) "treated" else "control"
  b <- rnorm(1, 0, 1)
  for (k in 0:9) {
    if (runif(1) < 0.2) next
    v[[length(v) + 1]] <- data.frame(id = sprintf("v%02d", i), time = k, group = g,
                                     y = 5 - 0.1 * k + (if (g == "treated") -0.15 * k else 0) + b + rnorm(1, 0, 0.4))
  }
}
vis <- do.call(rbind, v)
vis_data <- list(id = vis$id, time = vis$time, group = vis$group, y = vis$y)

models <- list(
  model_case("sleepstudy-linear", "lme4::sleepstudy, Days numeric, group = odd/even Subject level", sleep_data, "linear"),
  model_case("sleepstudy-spline", "lme4::sleepstudy, ns(Days, knots = c(3, 6), Boundary.knots = c(0, 9))", sleep_data, "spline", c(3, 6), c(0, 9)),
  model_case("orthodont-linear", "nlme::Orthodont, age numeric, group = Sex", orth_data, "linear"),
  model_case("orthodont-spline", "nlme::Orthodont, ns(age, knots = 11, Boundary.knots = c(8, 14))", orth_data, "spline", c(11), c(8, 14)),
  model_case("random-linear", "seeded unbalanced, periods -6..6, 35% missing, shuffled", rnd_data, "linear"),
  model_case("random-spline", "seeded unbalanced, ns(time, knots = c(-2, 0, 2.5), Boundary.knots = c(-6, 6))", rnd_data, "spline", c(-2, 0, 2.5), c(-6, 6)),
  model_case("random-spline-before", "the -6..0 part of random-spline: the knots inside (-6, 0), here -2", pre_data, "spline", c(-2), c(-6, 0)),
  model_case("visits-spline-no-knot", "visits 0..9 (6-month periods), ns without interior knot", vis_data, "spline", numeric(0), c(0, 9)),
  model_case("visits-spline", "visits 0..9 (6-month periods), ns(time, knots = c(3, 6), Boundary.knots = c(0, 9))", vis_data, "spline", c(3, 6), c(0, 9))
)

write_json_file(list(
  r = paste(R.version$major, R.version$minor, sep = "."),
  lme4 = as.character(packageVersion("lme4")), lmerTest = as.character(packageVersion("lmerTest")),
  bases = bases, models = models), "continuous_time.json")
