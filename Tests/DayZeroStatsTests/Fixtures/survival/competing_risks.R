# Reference values for competing risks:
#  - the Aalen–Johansen cumulative incidence, survival::survfit(Surv(time, status) ~ 1 or
#    ~ group) with status a factor whose first level is censoring: pstate, std.err (the
#    infinitesimal jackknife, survfit's default for multi-state curves), lower/upper for
#    conf.type "log" (the default), "log-log" and "plain";
#  - Gray's test, cmprsk::cuminc(ftime, fstatus, group, strata, rho, cencode = 0)$Tests.
# Run from this directory:  Rscript competing_risks.R   (R 4.2.2, survival 3.5-3, cmprsk 2.2-11)
# Writes competing_risks.json beside this script with ../tests/json_writer.R: every number is
# printed with sprintf("%.17g") so it round-trips exactly; NA, NaN and ±Inf are written as null.
suppressPackageStartupMessages({ library(survival); library(cmprsk) })
source("../tests/json_writer.R")

# ---- data sets -----------------------------------------------------------------------------
# mgus2: time to plasma-cell malignancy (PCM) with death as the competing risk, coded as in
# survival's vignette "compete": PCM if it came first, else death or censoring at futime.
mg_time <- with(mgus2, ifelse(pstat == 0, futime, ptime))
mg_status <- with(mgus2, ifelse(pstat == 0, 2 * death, 1))   # 0 censor, 1 pcm, 2 death
mg_sex <- as.character(mgus2$sex)

# pbc: status 0 = censored, 1 = liver transplant, 2 = death. trt is NA for the 106
# non-randomised patients; the grouped cases use the 312 randomised ones.
pbc_r <- pbc[!is.na(pbc$trt), ]
pbc_trt <- ifelse(pbc_r$trt == 1, "D-penicillamine", "placebo")
pbc_edema <- as.character(pbc$edema)   # "0", "0.5", "1"

# cmprsk's own example data (its tests/test.R): exponential times, three groups, two strata.
suppressWarnings(RNGversion("1.6.2"))
set.seed(2)
cm_ss <- rexp(100)
cm_gg <- as.character(factor(sample(1:3, 100, replace = TRUE), 1:3, c("a", "b", "c")))
cm_cc <- sample(0:2, 100, replace = TRUE)
cm_strt <- as.character(sample(1:2, 100, replace = TRUE))
RNGkind("default", "default", "default")

# Seeded random: integer times 1..20 so events of both causes and censorings tie often;
# groups A and B, a tiny group C (2 patients) and a group D with no event of cause 1.
set.seed(20240602)
n_r <- 120
rt_time <- c(sample(1:20, n_r, replace = TRUE), 5, 12, 3, 7, 7, 15)
rt_status <- c(sample(0:3, n_r, replace = TRUE, prob = c(0.35, 0.3, 0.25, 0.1)), 1, 2, 0, 2, 0, 2)
rt_group <- c(sample(c("A", "B"), n_r, replace = TRUE), "C", "C", "D", "D", "D", "D")

# Seeded random with real-valued times (rounded to 0.1: some ties), four groups.
set.seed(11)
rr_time <- round(rexp(200, 1 / 30), 1)
rr_status <- sample(0:2, 200, replace = TRUE, prob = c(0.3, 0.4, 0.3))
rr_group <- sample(c("g1", "g2", "g3", "g4"), 200, replace = TRUE)

# Hand-worked (see CumulativeIncidenceTests.swift), deliberately unsorted; at t = 2 an event
# of each cause and a censoring tie.
hand_time <- c(5, 2, 8, 2, 6, 4, 9, 2, 6, 1)
hand_status <- c(1, 2, 0, 1, 2, 0, 1, 0, 0, 2)
hand_group <- c("x", "y", "x", "y", "x", "y", "x", "y", "x", "y")

# Times tied only up to rounding: survfit's timefix merges them (cuminc does not).
nt_time <- c(1, 1 + 1e-10, 2, 0.1 * 3, 0.3, 2.5, 3, 4, 4 + 1e-12, 5)
nt_status <- c(1, 2, 0, 1, 2, 1, 0, 2, 1, 1)
nt_group <- c("a", "b", "a", "b", "a", "b", "a", "b", "a", "b")

# ---- cumulative incidence ------------------------------------------------------------------
# One case = input + for each conf.type asked for (all three in a few cases, to keep the
# file small) the curves (per group) with every state's columns.
# causes: the cause codes, i.e. the status factor's levels after "0" (censoring).
cif_case <- function(name, time, status, group = NULL, causes = NULL, conf_types = "log") {
  if (is.null(causes)) causes <- sort(unique(status[status != 0]))
  f <- factor(status, levels = c(0, causes))
  d <- data.frame(time = time, f = f)
  if (!is.null(group)) d$group <- group
  out <- list(name = name, time = I(time), status = I(as.integer(status)), causes = I(as.integer(causes)))
  if (!is.null(group)) out$group <- I(as.character(group))
  out$conf <- lapply(conf_types, function(ct) {
    fit <- if (is.null(group)) survfit(Surv(time, f) ~ 1, data = d, conf.type = ct)
           else survfit(Surv(time, f) ~ group, data = d, conf.type = ct)
    stopifnot(identical(fit$states, c("(s0)", as.character(causes))), fit$conf.type == ct)
    if (is.null(fit$strata)) {
      blocks <- list(list(label = NULL, idx = seq_along(fit$time)))
    } else {
      ends <- cumsum(fit$strata); starts <- ends - fit$strata + 1
      blocks <- lapply(seq_along(fit$strata), function(i)
        list(label = sub("^[^=]*=", "", names(fit$strata)[i]), idx = starts[i]:ends[i]))
    }
    curves <- lapply(blocks, function(b) {
      i <- b$idx
      # matrices time × state, written column-major (state by state).
      list(group = b$label, time = I(fit$time[i]), n_risk = I(fit$n.risk[i, 1]),
           n_event = I(as.vector(fit$n.event[i, -1, drop = FALSE])),
           n_censor = I(fit$n.censor[i]),
           pstate = I(as.vector(fit$pstate[i, , drop = FALSE])),
           std_err = I(as.vector(fit$std.err[i, , drop = FALSE])),
           lower = I(as.vector(fit$lower[i, , drop = FALSE])),
           upper = I(as.vector(fit$upper[i, , drop = FALSE])))
    })
    list(conf_type = ct, curves = curves)
  })
  out
}

set.seed(5)
km_like_time <- sample(1:30, 60, replace = TRUE)
km_like_status <- rbinom(60, 1, 0.6)

cif_cases <- list(
  cif_case("hand10", hand_time, hand_status, conf_types = c("log", "log-log", "plain")),
  cif_case("hand10_groups", hand_time, hand_status, hand_group),
  cif_case("mgus2", mg_time, mg_status),
  cif_case("mgus2_sex", mg_time, mg_status, mg_sex),
  cif_case("pbc", pbc$time, pbc$status),
  cif_case("pbc_trt", pbc_r$time, pbc_r$status, pbc_trt, conf_types = c("log", "log-log", "plain")),
  cif_case("cmprsk_example", cm_ss, cm_cc, cm_gg),
  cif_case("random_ties", rt_time, rt_status, rt_group, conf_types = c("log", "log-log", "plain")),
  cif_case("random_real", rr_time, rr_status),
  cif_case("near_ties", nt_time, nt_status),
  # One cause only: pstate[, 2] = 1 − KM.
  cif_case("single_cause", km_like_time, km_like_status),
  # A listed cause (3) that never occurs, and events at time 0.
  cif_case("absent_cause_time_zero", c(0, 0, 2, 5, 5, 8, 3), c(1, 0, 2, 1, 0, 1, 2), causes = 1:3,
           conf_types = c("log", "log-log", "plain")),
  cif_case("all_censored", c(3, 1, 4, 1, 5), c(0, 0, 0, 0, 0), causes = 1:2)
)

# ---- Gray's test ---------------------------------------------------------------------------
gray_case <- function(name, time, status, group, strata = NULL, rho = 0) {
  z <- if (is.null(strata)) cuminc(time, status, group, rho = rho, cencode = 0)
       else cuminc(time, status, group, strata, rho = rho, cencode = 0)
  tests <- z$Tests
  out <- list(name = name, time = I(time), status = I(as.integer(status)),
              group = I(as.character(group)), levels = I(levels(as.factor(group))))
  if (!is.null(strata)) out$strata <- I(as.character(strata))
  out$rho <- rho
  out$tests <- lapply(seq_len(nrow(tests)), function(r) {
    stat <- tests[r, "stat"]; df <- tests[r, "df"]
    list(cause = as.integer(rownames(tests)[r]), stat = stat, pv = tests[r, "pv"], df = df,
         # the same tail without the 1 - pchisq cancellation (what DayZero reports)
         p_upper = pchisq(stat, df, lower.tail = FALSE))
  })
  out
}

gray_cases <- list(
  gray_case("hand10", hand_time, hand_status, hand_group),
  gray_case("mgus2_sex", mg_time, mg_status, mg_sex),
  gray_case("mgus2_sex_rho1", mg_time, mg_status, mg_sex, rho = 1),
  gray_case("pbc_trt", pbc_r$time, pbc_r$status, pbc_trt),
  gray_case("pbc_edema", pbc$time, pbc$status, pbc_edema),
  gray_case("cmprsk_example", cm_ss, cm_cc, cm_gg),
  gray_case("cmprsk_example_strata", cm_ss, cm_cc, cm_gg, cm_strt),
  gray_case("random_ties", rt_time, rt_status, rt_group),
  gray_case("random_real", rr_time, rr_status, rr_group),
  gray_case("random_real_rho_half", rr_time, rr_status, rr_group, rho = 0.5),
  gray_case("near_ties", nt_time, nt_status, nt_group)
)

write_json_file(list(cumulative_incidence = cif_cases, gray = gray_cases), "competing_risks.json")
cat("wrote competing_risks.json:", length(cif_cases), "cumulative-incidence cases,",
    length(gray_cases), "Gray's test cases\n")
