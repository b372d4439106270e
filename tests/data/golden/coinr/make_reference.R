#!/usr/bin/env Rscript
# make_reference.R -- reference values computed by COINr 1.1.14 itself, for airank's
# parity tests of COINr features beyond the ASEM build path (see ../asem/ for that).
#
# Usage (from the repository root, after tools/coinr/install_coinr.sh):
#   Rscript tests/data/golden/coinr/make_reference.R [OUT_DIR]
# OUT_DIR defaults to the directory containing this script. README.md there says, for
# every file, the exact COINr call, its arguments and what the columns mean.
#
# Inputs are COINr's own example data only: ASEM_iData, ASEM_iMeta, ASEM_iData_p (and
# purses built from it). The only modification anywhere is in section 2, where some
# ASEM_iData_p cells are set to NA (the list is written to inputs/panel_na_cells.csv),
# because ASEM_iData_p has no gap that panel imputation could fill.
#
# Format: comma-separated, UTF-8, header row. Numbers are sprintf("%.17g") (reads back to
# the identical double); NA is an empty cell, NaN is "NaN", infinities are "inf"/"-inf";
# logicals are TRUE/FALSE; a text field is quoted ("...") only if it holds a comma or quote.

suppressPackageStartupMessages(library(COINr))
stopifnot(as.character(utils::packageVersion("COINr")) == "1.1.14")

args <- commandArgs(trailingOnly = TRUE)
script_dir <- local({
  f <- sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))
  if (length(f) == 1) dirname(normalizePath(f)) else getwd()
})
out_dir <- if (length(args) >= 1) args[1] else script_dir

# ---------------------------------------------------------------------------
# Writers and condition log
# ---------------------------------------------------------------------------

fmt_col <- function(x) {
  if (is.factor(x)) x <- as.character(x)
  if (is.numeric(x)) {
    out <- sprintf("%.17g", x)
    out[is.nan(x)] <- "NaN"
    out[is.infinite(x) & x > 0] <- "inf"
    out[is.infinite(x) & x < 0] <- "-inf"
    out[is.na(x) & !is.nan(x)] <- ""
  } else if (is.logical(x)) {
    out <- ifelse(x, "TRUE", "FALSE")
    out[is.na(x)] <- ""
  } else {
    out <- as.character(x)
    q <- !is.na(out) & grepl("[,\"]", out)
    out[q] <- paste0("\"", gsub("\"", "\"\"", out[q]), "\"")
    out[is.na(out)] <- ""
  }
  out
}

written <- character(0)
write_df <- function(df, file) {
  df <- as.data.frame(df, stringsAsFactors = FALSE, check.names = FALSE)
  rownames(df) <- NULL
  out <- as.data.frame(lapply(df, fmt_col), stringsAsFactors = FALSE, check.names = FALSE)
  names(out) <- names(df)
  path <- file.path(out_dir, file)
  dir.create(dirname(path), showWarnings = FALSE, recursive = TRUE)
  write.table(out, path, sep = ",", quote = FALSE, row.names = FALSE, col.names = TRUE,
              na = "", fileEncoding = "UTF-8", eol = "\n")
  written <<- c(written, file)
}

# every warning/error raised by a recorded COINr call goes to conditions.csv
conditions <- data.frame(call = character(0), type = character(0), message = character(0))
run <- function(label, expr) {
  note <- function(type, msg) {
    msg <- gsub("\\s+", " ", msg)
    seen <- conditions$call == label & conditions$type == type & conditions$message == msg
    if (!any(seen)) conditions[nrow(conditions) + 1, ] <<- list(label, type, msg)
  }
  withCallingHandlers(
    tryCatch(suppressMessages(expr), error = function(e) {
      note("error", conditionMessage(e))
      NULL
    }),
    warning = function(w) {
      note("warning", conditionMessage(w))
      invokeRestart("muffleWarning")
    })
}

long_matrix <- function(m, value = "value") {
  df <- data.frame(Var1 = rep(rownames(m), times = ncol(m)),
                   Var2 = rep(colnames(m), each = nrow(m)),
                   v = as.vector(m), stringsAsFactors = FALSE)
  names(df)[3] <- value
  df
}

lv <- c("Indicator", "Pillar", "Sub-index", "Index")
ind <- ASEM_iMeta$iCode[ASEM_iMeta$Type == "Indicator"]

# ---------------------------------------------------------------------------
# 1. Inputs
# ---------------------------------------------------------------------------

write_df(ASEM_iData_p, "inputs/ASEM_iData_p.csv")

coin <- build_example_coin(quietly = TRUE)
lin <- coin$Meta$Lineage
pillars <- unique(lin$Pillar)
subs <- unique(lin$`Sub-index`)

# ---------------------------------------------------------------------------
# 2. Panel imputation: impute_panel() and Impute() on a purse
# ---------------------------------------------------------------------------

dp0 <- ASEM_iData_p[c("uCode", "Time", ind)]
# cells set to NA: hand-picked gap patterns, then 2% random cells (seeded), never leaving
# a series with fewer than 2 observations (the one "single_obs" series is deliberate)
patterns <- list(
  first_year   = list("AUT", "LPI", 2018),
  first_two    = list("BEL", "Flights", c(2018, 2019)),
  last_year    = list("BGR", "Goods", 2022),
  interior_one = list("HRV", "Services", 2020),
  interior_two = list("CYP", "FDI", c(2020, 2021)),
  alternating  = list("CZE", "ForPort", c(2019, 2021)),
  both_ends    = list("EST", "Embs", c(2018, 2022)),
  single_obs   = list("DNK", "PRemit", c(2018, 2019, 2021, 2022))
)
na_cells <- do.call(rbind, lapply(names(patterns), function(p) {
  z <- patterns[[p]]
  stopifnot(!anyNA(dp0[dp0$uCode == z[[1]], z[[2]]]))
  data.frame(uCode = z[[1]], iCode = z[[2]], Time = z[[3]], pattern = p)
}))
set.seed(20241201)
cand <- expand.grid(row = seq_len(nrow(dp0)), iCode = ind, stringsAsFactors = FALSE)
cand <- cand[!is.na(mapply(function(r, i) dp0[r, i], cand$row, cand$iCode)), ]
cand <- cand[!paste(dp0$uCode[cand$row], cand$iCode) %in% paste(na_cells$uCode, na_cells$iCode), ]
pick <- cand[sample(nrow(cand), round(0.02 * nrow(cand))), ]
rnd <- data.frame(uCode = dp0$uCode[pick$row], iCode = pick$iCode, Time = dp0$Time[pick$row],
                  pattern = "random")
rnd <- rnd[order(rnd$uCode, rnd$iCode, rnd$Time), ]
keep <- ave(rep(1, nrow(rnd)), rnd$uCode, rnd$iCode, FUN = cumsum) <= 3
na_cells <- rbind(na_cells, rnd[keep, ])
dp <- dp0
for (k in seq_len(nrow(na_cells))) {
  r <- dp$uCode == na_cells$uCode[k] & dp$Time == na_cells$Time[k]
  na_cells$original[k] <- dp[r, na_cells$iCode[k]]
  dp[r, na_cells$iCode[k]] <- NA
}
write_df(na_cells, "inputs/panel_na_cells.csv")

# the unmodified panel: every gap is a unit/indicator missing in all 5 years, so nothing
# can be imputed and impute_panel() returns its input
nothing <- suppressMessages(impute_panel(dp0, imp_type = "latest"))$iData_imp
stopifnot(identical(nothing[order(nothing$Time, nothing$uCode), ],
                    dp0[order(dp0$Time, dp0$uCode), ]))

imp <- list(
  latest        = run("latest", impute_panel(dp, imp_type = "latest")),
  latest_max1   = run("latest_max1", impute_panel(dp, imp_type = "latest", max_time = 1)),
  constant      = run("constant", impute_panel(dp, imp_type = "constant")),
  constant_max1 = run("constant_max1", impute_panel(dp, imp_type = "constant", max_time = 1)),
  linear_all    = run("linear (all columns)", impute_panel(dp, imp_type = "linear")),
  linear        = run("linear", impute_panel(dp, imp_type = "linear",
                                             cols = setdiff(ind, "PRemit")))
)
stopifnot(is.null(imp$linear_all))  # the single-observation series makes approx() fail
imp$linear_all <- NULL

sorted <- function(df) df[order(df$uCode, df$Time), ]
gap_series <- unique(rbind(
  na_cells[c("uCode", "iCode")],
  do.call(rbind, lapply(ind, function(i) {
    u <- unique(dp$uCode[is.na(dp[[i]])])
    if (length(u)) data.frame(uCode = u, iCode = i) else NULL
  }))))
panel <- merge(gap_series, data.frame(Time = sort(unique(dp$Time))))
panel <- panel[order(panel$iCode, panel$uCode, panel$Time), ]
at <- function(df) {
  df <- sorted(df)
  key <- paste(df$uCode, df$Time)
  mapply(function(u, i, t) df[[i]][match(paste(u, t), key)], panel$uCode, panel$iCode, panel$Time)
}
panel$pattern <- na_cells$pattern[match(paste(panel$uCode, panel$iCode, panel$Time),
                                        paste(na_cells$uCode, na_cells$iCode, na_cells$Time))]
panel$original <- at(dp0)
panel$input <- at(dp)
for (m in names(imp)) {
  panel[[m]] <- at(imp[[m]]$iData_imp)
  # outside the listed series every cell is unchanged
  other <- sorted(imp[[m]]$iData_imp)
  base <- sorted(dp)
  for (i in ind) {
    rows <- !(base$uCode %in% gap_series$uCode[gap_series$iCode == i])
    stopifnot(identical(other[[i]][rows], base[[i]][rows]))
  }
  if (!is.null(imp[[m]]$DataT)) panel[[paste0(m, "_from")]] <- at(imp[[m]]$DataT)
}
write_df(panel, "impute_panel/panel_imputed.csv")

# the purse route gives the same data frames
dpf <- ASEM_iData_p
for (k in seq_len(nrow(na_cells))) {
  dpf[dpf$uCode == na_cells$uCode[k] & dpf$Time == na_cells$Time[k], na_cells$iCode[k]] <- NA
}
purse <- new_coin(dpf, ASEM_iMeta, level_names = lv, split_to = "all", quietly = TRUE)
for (m in c("latest", "constant", "linear")) {
  pi <- run(paste0("Impute.purse ", m),
            Impute(purse, dset = "Raw", f_i = "impute_panel", f_i_para = list(imp_type = m)))
  if (m == "linear") {
    stopifnot(is.null(pi))
  } else {
    g <- sorted(get_dset(pi, "Imputed"))[c("uCode", "Time", ind)]
    ref <- sorted(imp[[m]]$iData_imp)[c("uCode", "Time", ind)]
    stopifnot(isTRUE(all.equal(g, ref, tolerance = 0, check.attributes = FALSE)))
  }
}

# ---------------------------------------------------------------------------
# 3. Treatment functions and Treat()
# ---------------------------------------------------------------------------

scr <- get_dset(coin, "Screened")
raw <- get_dset(coin, "Raw")
flagged <- coin$Analysis$Treated$Dets_Table$iCode[!coin$Analysis$Treated$Dets_Table$check_SkewKurt0.Pass]
treat_codes <- c(flagged, "Goods", "LPI")   # + two indicators that pass the check
raw_codes <- treat_codes[colSums(is.na(raw[treat_codes])) > 0]

tf <- function(x) {
  bc <- function(l, pos = TRUE) boxcox(x, lambda = l, makepos = pos, na.rm = TRUE)
  list(log_CT = log_CT(x, na.rm = TRUE)$x,
       log_CT_orig = log_CT_orig(x, na.rm = TRUE)$x,
       log_CT_plus = log_CT_plus(x, na.rm = TRUE)$x,
       log_GII = log_GII(x, na.rm = TRUE)$x,
       boxcox_m1 = bc(-1), boxcox_m0.5 = bc(-0.5), boxcox_0 = bc(0),
       boxcox_0.5 = bc(0.5), boxcox_1 = bc(1), boxcox_2 = bc(2),
       boxcox_0.5_nopos = bc(0.5, FALSE))
}
tfun <- do.call(rbind, c(
  lapply(treat_codes, function(i) data.frame(dset = "Screened", iCode = i, uCode = scr$uCode,
                                             x = scr[[i]], tf(scr[[i]]), check.names = FALSE)),
  lapply(raw_codes, function(i) data.frame(dset = "Raw", iCode = i, uCode = raw$uCode,
                                           x = raw[[i]], tf(raw[[i]]), check.names = FALSE))))
write_df(tfun, "treat/functions.csv")

sk <- do.call(rbind, lapply(list(Screened = scr, Raw = raw), function(d) {
  do.call(rbind, lapply(ind, function(i) {
    ck <- check_SkewKurt(d[[i]], na.rm = TRUE)
    data.frame(iCode = i, skew = skew(d[[i]], na.rm = TRUE), kurt = kurt(d[[i]], na.rm = TRUE),
               Pass = ck$Pass, log_CT_plus_label = log_CT_plus(d[[i]], na.rm = TRUE)$treated[1])
  }))
}))
sk <- cbind(dset = rep(c("Screened", "Raw"), each = length(ind)), sk)
write_df(sk, "treat/skew_kurt.csv")

treat_variants <- list(
  f2_log_CT_plus = list(global_specs = list(f1_para = list(winmax = 1), f2 = "log_CT_plus")),
  f2_log_CT_orig = list(global_specs = list(f1_para = list(winmax = 1), f2 = "log_CT_orig")),
  f2_log_GII = list(global_specs = list(f1_para = list(winmax = 1), f2 = "log_GII")),
  f2_boxcox_0.5 = list(global_specs = list(f1_para = list(winmax = 1), f2 = "boxcox",
                                           f2_para = list(lambda = 0.5))),
  f1_log = list(global_specs = list(f1 = "log", f1_para = NULL)),
  f1_log_keep_para = list(global_specs = list(f1 = "log")),
  f2_log = list(global_specs = list(f1_para = list(winmax = 1), f2 = "log", f2_para = NULL)),
  combine_winmax1 = list(global_specs = list(f1_para = list(winmax = 1)), combine_treat = TRUE),
  no_f2 = list(global_specs = list(f1_para = list(winmax = 1), f2 = NULL)),
  indiv = list(global_specs = list(f1_para = list(winmax = 1)),
               indiv_specs = list(Bord = "none", Services = list(f1_para = list(winmax = 3)),
                                  ForPort = list(f1 = "log_CT_plus")))
)
treated_long <- list()
for (v in names(treat_variants)) {
  cn <- run(paste("Treat", v), do.call(Treat, c(list(x = coin, dset = "Screened"),
                                                treat_variants[[v]])))
  td <- get_dset(cn, "Treated")
  an <- cn$Analysis$Treated
  write_df(an$Dets_Table, paste0("treat/log_", v, ".csv"))
  tp <- as.data.frame(an$Treated_Points, stringsAsFactors = FALSE)
  changed <- ind[!mapply(identical, td[ind], scr[ind])]
  treated_long[[v]] <- do.call(rbind, lapply(changed, function(i) {
    data.frame(variant = v, iCode = i, uCode = td$uCode, treated = td[[i]],
               point = if (is.null(tp[[i]])) "" else tp[[i]])
  }))
}
write_df(do.call(rbind, treated_long), "treat/treated.csv")

# ---------------------------------------------------------------------------
# 4. Cronbach's alpha
# ---------------------------------------------------------------------------

nc_den <- suppressMessages(Denominate(new_coin(ASEM_iData, ASEM_iMeta, level_names = lv, quietly = TRUE),
                     dset = "Raw"))
nc_den <- suppressMessages(Normalise(nc_den, dset = "Denominated", global_specs = list(
  f_n = "n_minmax", f_n_para = list(c(0, 100)))))
alpha_sets <- list(
  list("example", coin, "Raw", 1), list("example", coin, "Denominated", 1),
  list("example", coin, "Normalised", 1), list("example", coin, "Aggregated", 2),
  list("example", coin, "Aggregated", 3), list("no_impute", nc_den, "Normalised", 1))
cronbach <- do.call(rbind, lapply(alpha_sets, function(s) {
  grps <- switch(as.character(s[[4]]), "1" = c(pillars, subs, "Index"),
                 "2" = c(subs, "Index"), "3" = "Index")
  do.call(rbind, lapply(grps, function(g) {
    d <- get_data(s[[2]], dset = s[[3]], iCodes = g, Level = s[[4]], also_get = "none")
    data.frame(coin = s[[1]], dset = s[[3]], Level = s[[4]], iCodes = g, k = ncol(d),
               n_complete = sum(stats::complete.cases(d)), n_missing = sum(is.na(d)),
               alpha_pairwise = get_cronbach(s[[2]], dset = s[[3]], iCodes = g, Level = s[[4]]),
               alpha_complete = get_cronbach(s[[2]], dset = s[[3]], iCodes = g, Level = s[[4]],
                                             use = "complete.obs"))
  }))
}))
write_df(cronbach, "cronbach/cronbach.csv")

# ---------------------------------------------------------------------------
# 5. PCA
# ---------------------------------------------------------------------------

pca_calls <- list(
  normalised_L1_groups = list(dset = "Normalised", Level = 1, by_groups = TRUE),
  normalised_L1_all = list(dset = "Normalised", Level = 1, by_groups = FALSE),
  aggregated_L2_groups = list(dset = "Aggregated", Level = 2, by_groups = TRUE),
  raw_L1_groups = list(dset = "Raw", Level = 1, by_groups = TRUE))
pca_var <- pca_load <- pca_w <- list()
for (pc in names(pca_calls)) {
  res <- run(paste("get_PCA", pc), do.call(get_PCA, c(list(coin = coin), pca_calls[[pc]])))
  for (g in names(res$PCAresults)) {
    pr <- res$PCAresults[[g]]$PCAres
    v <- pr$sdev^2
    pca_var[[paste(pc, g)]] <- data.frame(
      call = pc, group = g, n_rows = nrow(pr$x), component = seq_along(v), sdev = pr$sdev,
      prop_var = v / sum(v), prop_var_summary = summary(pr)$importance[2, ],
      cum_prop = cumsum(v) / sum(v))
    ld <- long_matrix(pr$rotation[, seq_len(min(ncol(pr$rotation), 5)), drop = FALSE],
                      "loading")  # components 1-5 (all of them for every group but "All")
    pca_load[[paste(pc, g)]] <- data.frame(call = pc, group = g, iCode = ld$Var1,
                                           component = ld$Var2, loading = ld$loading)
  }
  w <- res$Weights
  pca_w[[pc]] <- data.frame(call = pc, w[w$Level == pca_calls[[pc]]$Level, ])
}
write_df(do.call(rbind, pca_var), "pca/variance.csv")
write_df(do.call(rbind, pca_load), "pca/loadings.csv")
write_df(do.call(rbind, pca_w), "pca/weights.csv")

# ---------------------------------------------------------------------------
# 6. Correlations, p-values, flags, statistics
# ---------------------------------------------------------------------------

pv <- do.call(rbind, lapply(list(c("Raw", "pearson"), c("Normalised", "pearson"),
                                 c("Normalised", "spearman")), function(a) {
  X <- get_data(coin, dset = a[1], Level = 1, also_get = "none")
  P <- run(paste("get_pvals", a[1], a[2]), get_pvals(X, method = a[2]))
  d <- long_matrix(P, "p")
  d <- d[match(d$Var1, names(X)) < match(d$Var2, names(X)), ]
  data.frame(dset = a[1], method = a[2], d)
}))
write_df(pv, "correlations/pvals.csv")

corr_calls <- list(
  normalised_L1_grouplev2 = list(dset = "Normalised", Levels = 1, grouplev = 2),
  normalised_L1_grouplev2_p0 = list(dset = "Normalised", Levels = 1, grouplev = 2, pval = 0),
  aggregated_L1_L2_parent = list(dset = "Aggregated", Levels = c(1, 2), withparent = TRUE, pval = 0),
  aggregated_L2_L4 = list(dset = "Aggregated", Levels = c(2, 4), pval = 0),
  aggregated_L1_family = list(dset = "Aggregated", Levels = 1, withparent = "family", pval = 0),
  raw_L1_grouplev2 = list(dset = "Raw", Levels = 1, grouplev = 2),
  normalised_L1_spearman = list(dset = "Normalised", Levels = 1, grouplev = 2,
                                cortype = "spearman", pval = 0))
for (cc in names(corr_calls)) {
  write_df(run(paste("get_corr", cc), do.call(get_corr, c(list(coin = coin), corr_calls[[cc]]))),
           paste0("correlations/get_corr_", cc, ".csv"))
}

write_df(get_denom_corr(coin, dset = "Raw"), "correlations/denom_corr_default.csv")
write_df(get_denom_corr(coin, dset = "Raw", cor_thresh = 0, nround = NULL),
         "correlations/denom_corr_all.csv")

flag_calls <- list(
  default = list(dset = "Normalised"),
  high_0.5 = list(dset = "Normalised", cor_thresh = 0.5, roundto = NULL),
  low_m0.3 = list(dset = "Normalised", cor_thresh = -0.3, thresh_type = "low", roundto = NULL),
  grouplev3_0.8 = list(dset = "Normalised", cor_thresh = 0.8, grouplev = 3, roundto = NULL),
  raw_directions_low_m0.3 = list(dset = "Raw", cor_thresh = -0.3, thresh_type = "low",
                                 use_directions = TRUE, roundto = NULL))
write_df(do.call(rbind, lapply(names(flag_calls), function(f) {
  d <- do.call(get_corr_flags, c(list(coin = coin), flag_calls[[f]]))
  if (nrow(d)) data.frame(call = f, d) else NULL
})), "correlations/corr_flags.csv")

write_df(get_stats(coin, dset = "Raw"), "stats/stats_raw_signif3.csv")
write_df(get_stats(coin, dset = "Raw", nsignif = NULL), "stats/stats_raw.csv")
write_df(get_stats(coin, dset = "Normalised", nsignif = NULL), "stats/stats_normalised.csv")

# ---------------------------------------------------------------------------
# 7. Comparing coins, removing elements, optimised weights
# ---------------------------------------------------------------------------

coin_geom <- suppressMessages(Aggregate(Normalise(
  build_example_coin(up_to = "Treat", quietly = TRUE), dset = "Treated",
  global_specs = list(f_n = "n_minmax", f_n_para = list(l_u = c(1, 100)))),
  dset = "Normalised", f_ag = "a_gmean"))
coin_z <- suppressMessages(Aggregate(Normalise(
  build_example_coin(up_to = "Treat", quietly = TRUE), dset = "Treated",
  global_specs = list(f_n = "n_zscore", f_n_para = list(m_sd = c(0, 1)))),
  dset = "Normalised", f_ag = "a_amean"))

write_df(compare_coins(coin, coin_geom, dset = "Aggregated", iCode = "Index"),
         "compare/compare_Index_ranks.csv")
write_df(compare_coins(coin, coin_geom, dset = "Aggregated", iCode = "Index",
                       compare_by = "scores"), "compare/compare_Index_scores.csv")
write_df(compare_coins(coin, coin_geom, dset = "Aggregated", iCode = "Conn", also_get = "uName",
                       sort_by = "Abs.diff", decreasing = TRUE),
         "compare/compare_Conn_ranks_sorted.csv")
coins3 <- list(Default = coin, Geom = coin_geom, Zscore = coin_z)
for (cb in c("ranks", "scores")) {
  tabs <- compare_coins_multi(coins3, dset = "Aggregated", iCode = "Index", tabtype = "All",
                              compare_by = cb)
  for (tt in names(tabs)) write_df(tabs[[tt]], paste0("compare/multi_", cb, "_", tt, ".csv"))
}
# compare_coins_corr: per node, the correlation of its ranks (scores) in the two coins
cc <- do.call(rbind, lapply(c("ranks", "scores"), function(cb) {
  r <- compare_coins_corr(coin, coin_geom, dset = "Aggregated", compare_by = cb,
                          iCodes = c("Index", "Conn", "Sust", "Physical", "Social", "LPI",
                                     "Goods", "Flights"))
  data.frame(compare_by = cb, r$df_corr)
}))
write_df(cc, "compare/compare_corr.csv")

for (L in 1:2) {
  rem <- remove_elements(coin, Level = L, dset = "Aggregated", iCode = "Index", quietly = TRUE)
  write_df(rem$Scores, sprintf("remove_elements/L%d_scores.csv", L))
  write_df(rem$Ranks, sprintf("remove_elements/L%d_ranks.csv", L))
  write_df(rem$RankDiffs, sprintf("remove_elements/L%d_rank_diffs.csv", L))
  write_df(data.frame(removed = names(rem$MeanAbsDiff), MeanAbsDiff = unname(rem$MeanAbsDiff)),
           sprintf("remove_elements/L%d_mean_abs_diff.csv", L))
}

opt_calls <- list(
  L2_balance_equal = list(itarg = "equal", Level = 2),
  L3_balance_equal = list(itarg = "equal", Level = 3),
  L2_infomax = list(Level = 2, optype = "infomax"))
opt_w <- opt_s <- list()
for (oc in names(opt_calls)) {
  a <- opt_calls[[oc]]
  o <- run(paste("get_opt_weights", oc),
           do.call(get_opt_weights, c(list(coin = coin, dset = "Aggregated"), a)))
  wl <- o$WeightsOpt[o$WeightsOpt$Level == a$Level, ]
  at_opt <- suppressMessages(COINr:::weights2corr(coin, w = o$WeightsOpt, dset = "Aggregated",
                                                  Levels = c(a$Level, coin$Meta$maxlev)))
  # COINr's Obtained column follows get_corr()'s row order (alphabetical by code, from
  # merge()), not the order of the weights: Obtained_iCode says whose correlation it is
  stopifnot(nrow(at_opt$cr) == nrow(wl))
  opt_w[[oc]] <- data.frame(call = oc, iCode = wl$iCode, o$CorrResultsNorm,
                            Obtained_iCode = at_opt$cr$Var2,
                            corr_at_OptWeight = at_opt$cr$Correlation[match(wl$iCode,
                                                                            at_opt$cr$Var2)])
  opt_s[[oc]] <- data.frame(call = oc, value = o$OptResults$value,
                            fn_count = unname(o$OptResults$counts["function"]),
                            convergence = o$OptResults$convergence)
}
write_df(do.call(rbind, opt_w), "weights/opt_weights.csv")
write_df(do.call(rbind, opt_s), "weights/opt_summary.csv")

# ---------------------------------------------------------------------------
# 8. Normalisers, strengths and weaknesses
# ---------------------------------------------------------------------------

iref <- which(get_dset(coin, "Treated")$uCode == "DEU")
stopifnot(iref == which(get_dset(coin, "Raw")$uCode == "DEU"))
norm_calls <- list(
  treated_borda = list("Treated", list(f_n = "n_borda")),
  treated_borda_average = list("Treated", list(f_n = "n_borda",
                                               f_n_para = list(ties.method = "average"))),
  treated_dist2ref_DEU = list("Treated", list(f_n = "n_dist2ref",
                                              f_n_para = list(iref = iref, cap_max = FALSE))),
  treated_dist2ref_DEU_cap = list("Treated", list(f_n = "n_dist2ref",
                                                  f_n_para = list(iref = iref, cap_max = TRUE))),
  treated_fracmax = list("Treated", list(f_n = "n_fracmax")),
  raw_borda = list("Raw", list(f_n = "n_borda")),
  raw_dist2ref_DEU_cap = list("Raw", list(f_n = "n_dist2ref",
                                          f_n_para = list(iref = iref, cap_max = TRUE))),
  raw_fracmax = list("Raw", list(f_n = "n_fracmax")))
for (nc in names(norm_calls)) {
  a <- norm_calls[[nc]]
  cn <- run(paste("Normalise", nc), Normalise(coin, dset = a[[1]], global_specs = a[[2]],
                                              write_to = "Norm2"))
  write_df(get_dset(cn, "Norm2"), paste0("normalise/", nc, ".csv"))
}

sw <- list()
for (u in c("GBR", "CHN", "NZL", "MNG")) for (ds in c("Raw", "Aggregated"))
  for (md in c(TRUE, FALSE)) for (uq in list(NULL, 0.7)) {
    r <- get_str_weak(coin, dset = ds, usel = u, min_discard = md, unq_discard = uq,
                      sig_figs = NULL)
    for (side in c("Strengths", "Weaknesses")) {
      sw[[length(sw) + 1]] <- data.frame(
        usel = u, dset = ds, min_discard = md, unq_discard = if (is.null(uq)) NA else uq,
        use_group = NA, sig_figs = NA, table = side, position = seq_len(nrow(r[[side]])),
        r[[side]], check.names = FALSE)
    }
  }
for (extra in list(list(use_group = "EurAsia_group", sig_figs = NULL), list(sig_figs = 3))) {
  r <- do.call(get_str_weak, c(list(coin = coin, dset = "Raw", usel = "GBR"), extra))
  for (side in c("Strengths", "Weaknesses")) {
    sw[[length(sw) + 1]] <- data.frame(
      usel = "GBR", dset = "Raw", min_discard = TRUE, unq_discard = NA,
      use_group = if (is.null(extra$use_group)) NA else extra$use_group,
      sig_figs = if (is.null(extra$sig_figs)) NA else extra$sig_figs, table = side,
      position = seq_len(nrow(r[[side]])), r[[side]], check.names = FALSE)
  }
}
write_df(do.call(rbind, sw), "str_weak/str_weak.csv")

# ---------------------------------------------------------------------------
# 9. Screen
# ---------------------------------------------------------------------------

nc <- new_coin(ASEM_iData, ASEM_iMeta, level_names = lv, quietly = TRUE)
screen_calls <- list(
  byNA_default = list(unit_screen = "byNA"),
  byNA_0.9 = list(unit_screen = "byNA", dat_thresh = 0.9),
  byNA_0.95 = list(unit_screen = "byNA", dat_thresh = 0.95),
  byzeros_0.95 = list(unit_screen = "byzeros", nonzero_thresh = 0.95),
  byNAandzeros_0.9_0.95 = list(unit_screen = "byNAandzeros", dat_thresh = 0.9,
                               nonzero_thresh = 0.95),
  byNA_0.9_force = list(unit_screen = "byNA", dat_thresh = 0.9,
                        Force = data.frame(uCode = c("BRN", "AUT"), Include = c(TRUE, FALSE))))
write_df(do.call(rbind, lapply(names(screen_calls), function(sc) {
  l <- do.call(Screen, c(list(x = nc, dset = "Raw", out2 = "list"), screen_calls[[sc]]))
  data.frame(call = sc, l$DataSummary)
})), "screen/screen_summary.csv")

# ---------------------------------------------------------------------------
# 10. Trends on the panel data (with the gaps of section 2)
# ---------------------------------------------------------------------------

trend_calls <- list(
  CAGR = list(f_trend = "CAGR"),
  prc_change = list(f_trend = "prc_change"),
  CAGR_adjdir = list(f_trend = "CAGR", adjust_directions = TRUE),
  CAGR_latest3 = list(f_trend = "CAGR", use_latest = 3),
  prc_change_latest3 = list(f_trend = "prc_change", use_latest = 3),
  CAGR_latest5 = list(f_trend = "CAGR", use_latest = 5),
  CAGR_interp_all = list(f_trend = "CAGR", interp_at = "all"),
  prc_change_interp_all = list(f_trend = "prc_change", interp_at = "all"),
  CAGR_time_2019_2021 = list(f_trend = "CAGR", Time = 2019:2021))
tr <- NULL
for (tc in names(trend_calls)) {
  a <- trend_calls[[tc]]
  g <- run(paste("get_trends", tc), do.call(get_trends, c(list(purse = purse, dset = "Raw"), a)))
  g <- g$Trends
  val <- g[[a$f_trend]]
  if (is.null(tr)) {
    tr <- g[c("uCode", "iCode")]
  }
  stopifnot(identical(g$uCode, tr$uCode), identical(g$iCode, tr$iCode))
  tr[[tc]] <- val
  if (tc == "CAGR") tr[c("Avail", "t_first", "t_latest")] <- g[c("Avail", "t_first", "t_latest")]
  if (tc == "CAGR_latest3") tr[c("Avail_use_latest3", "t_first_use_latest3")] <-
    g[c("Avail_use_latest", "t_first_use_latest")]
}
write_df(tr, "trends/get_trends.csv")

pat_series <- unique(na_cells[na_cells$pattern != "random", c("uCode", "iCode")])
write_df(do.call(rbind, lapply(seq_len(nrow(pat_series)), function(k) {
  d <- dp[dp$uCode == pat_series$uCode[k], c("Time", pat_series$iCode[k])]
  y <- d[[2]]
  x <- d$Time
  data.frame(uCode = pat_series$uCode[k], iCode = pat_series$iCode[k],
             n_obs = sum(!is.na(y)), CAGR = CAGR(y, x), prc_change = prc_change(y, x),
             prc_change_per10 = prc_change(y, x, per = 10))
})), "trends/trend_functions.csv")

ap <- list()
for (u in c("AUT", "CZE", "EST", "HRV")) {
  d <- dp[dp$uCode == u, ]
  d <- d[order(d$Time), ]
  Y <- d[unique(na_cells$iCode[na_cells$pattern != "random"])]
  for (cl in list(list("tt_est_default", NULL, list()),
                  list("tt_est_2018.5_2020_2021.25", c(2018.5, 2020, 2021.25), list()),
                  list("tt_est_2018.5_2020_2021.25_rule2", c(2018.5, 2020, 2021.25),
                       list(rule = 2)))) {
    o <- do.call(approx_df, c(list(Y = Y, tt = d$Time, tt_est = cl[[2]]), cl[[3]]))
    ap[[length(ap) + 1]] <- data.frame(uCode = u, call = cl[[1]], Time = o$tt, o$Y)
  }
}
write_df(do.call(rbind, ap), "trends/approx_df.csv")

# ---------------------------------------------------------------------------
# 11. round_df, signif_df
# ---------------------------------------------------------------------------

agg <- get_dset(coin, "Aggregated")
aggs <- ASEM_iMeta$iCode[ASEM_iMeta$Type == "Aggregate"]
vals <- data.frame(source = "Aggregated", uCode = rep(agg$uCode, length(aggs)),
                   iCode = rep(aggs, each = nrow(agg)), value = unlist(agg[aggs], use.names = FALSE))
edge <- c(0.5, 1.5, 2.5, -0.5, -1.5, 0.15, 0.25, 0.35, 0.45, 1.005, 2.675, 0.285, 1234.5678,
          -0.0049999, 5e-5, 123456789.5, 0.125, 0.375, 1e-300, 99.995)
vals <- rbind(vals, data.frame(source = "edge", uCode = "", iCode = "", value = edge))
v <- data.frame(value = vals$value)
for (d in c(-1, 0, 1, 2, 3)) vals[[paste0("round_", d)]] <- round_df(v, d)$value
for (d in c(1, 2, 3, 5)) vals[[paste0("signif_", d)]] <- signif_df(v, d)$value
write_df(vals, "dftools/round_signif.csv")

# ---------------------------------------------------------------------------
# Conditions and provenance
# ---------------------------------------------------------------------------

write_df(conditions, "conditions.csv")
# the exported functions (docs/coinr.md maps each to airank)
writeLines(sort(getNamespaceExports("COINr")), file.path(out_dir, "exports.txt"))
d <- utils::packageDescription("COINr")
writeLines(c(
  paste("generated:", format(Sys.time(), tz = "UTC", usetz = TRUE)),
  paste("R:", R.version.string),
  paste("COINr version:", d$Version),
  paste("COINr source:", if (is.null(d$RemoteSha)) "unknown" else
    paste0(d$RemoteUrl, " ", d$RemoteRef, " (commit ", d$RemoteSha, ")")),
  paste("files:", length(written))
), file.path(out_dir, "provenance.txt"))
message("wrote ", length(written), " files to ", out_dir)
