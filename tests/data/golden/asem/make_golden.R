#!/usr/bin/env Rscript
# make_golden.R -- reference ("golden") outputs for the ASEM example, produced by
# the R package COINr, for testing airank's COINr-compatible engine.
#
# Usage (from the repository root):
#   Rscript tests/data/golden/asem/make_golden.R [ASEM_DATA_DIR] [OUT_DIR]
# Defaults: ASEM_DATA_DIR = $ASEM_DATA_DIR or /work/shared/data/asem
#           OUT_DIR       = the directory containing this script
#
# Requires COINr 1.1.14 to be installed: tools/coinr/install_coinr.sh installs it from the
# public bluefoxr/COINr repository (tag v1.1.14) -- see README.md in this directory.
#
# For each methodology below, writes into OUT_DIR/<method>/:
#   denominated.csv, imputed.csv, screened.csv, treated.csv (if treated),
#   normalised.csv, aggregated.csv   -- COINr data sets, uCode + numeric columns
#   ranks.csv          -- get_results(tab_type = "Full", use = "ranks")
#   treat_log.csv      -- coin$Analysis$Treated$Dets_Table (if treated)
#   treated_points.csv -- coin$Analysis$Treated$Treated_Points, with uCode (if treated)
#   screen_summary.csv -- coin$Analysis$Screened$DataSummary
# Numbers are written with sprintf("%.17g") (round-trips to the same double);
# missing values are empty cells.

suppressPackageStartupMessages(library(COINr))

args <- commandArgs(trailingOnly = TRUE)
script_dir <- local({
  f <- sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))
  if (length(f) == 1) dirname(normalizePath(f)) else getwd()
})
data_dir <- if (length(args) >= 1) args[1] else Sys.getenv("ASEM_DATA_DIR", "/work/shared/data/asem")
out_dir  <- if (length(args) >= 2) args[2] else script_dir

# ---------------------------------------------------------------------------
# Input data (COINr's ASEM_iData / ASEM_iMeta, stored as CSV)
# ---------------------------------------------------------------------------

read_in <- function(f) {
  read.csv(file.path(data_dir, f), stringsAsFactors = FALSE, na.strings = "",
           check.names = FALSE)
}
iData <- read_in("ASEM_iData.csv")
iMeta <- read_in("ASEM_iMeta.csv")

# integer-valued columns -> double (COINr >= 1.1.7 does this itself in new_coin();
# the values are unchanged)
iData[] <- lapply(iData, function(x) if (is.integer(x)) as.numeric(x) else x)
iMeta[] <- lapply(iMeta, function(x) if (is.integer(x)) as.numeric(x) else x)

char_cols <- c("uName", "uCode", "GDP_group", "GDPpc_group", "Pop_group", "EurAsia_group")
stopifnot(
  nrow(iData) == 51, ncol(iData) == 60,
  all(sapply(iData[char_cols], is.character)),
  all(sapply(iData[setdiff(names(iData), char_cols)], is.numeric)),
  !anyNA(iData$uCode), !anyDuplicated(iData$uCode),
  nrow(iMeta) == 68,
  sum(iMeta$Type == "Indicator") == 49, sum(iMeta$Type == "Aggregate") == 11
)
ind_codes <- iMeta$iCode[iMeta$Type == "Indicator"]
stopifnot(sum(is.na(iData[ind_codes])) == 63)

# the CSVs must hold exactly COINr's own ASEM_iData / ASEM_iMeta (same values, same order)
same_as_pkg <- function(df, pkg) {
  pkg <- as.data.frame(pkg, stringsAsFactors = FALSE)
  pkg[] <- lapply(pkg, function(x) if (is.integer(x)) as.numeric(x) else x)
  identical(names(df), names(pkg)) &&
    isTRUE(all.equal(df, pkg, check.attributes = FALSE, tolerance = 0))
}
stopifnot(same_as_pkg(iData, COINr::ASEM_iData), same_as_pkg(iMeta, COINr::ASEM_iMeta))

# ---------------------------------------------------------------------------
# Build steps (these mirror COINr::build_example_coin() exactly)
# ---------------------------------------------------------------------------

build_to_screen <- function() {
  coin <- new_coin(iData, iMeta, level_names = c("Indicator", "Pillar", "Sub-index", "Index"))
  coin <- Denominate(coin, dset = "Raw")
  coin <- Impute(coin, dset = "Denominated", f_i = "i_mean_grp", use_group = "EurAsia_group")
  coin <- Screen(coin, dset = "Imputed", dat_thresh = 0.9, unit_screen = "byNA")
  coin
}

treat <- function(coin) {
  Treat(coin, dset = "Screened", global_specs = list(f1_para = list(winmax = 5)))
}

methods <- list(
  default = function() {
    coin <- treat(build_to_screen())
    coin <- Normalise(coin, dset = "Treated",
                      global_specs = list(f_n = "n_minmax", f_n_para = list(c(0, 100))))
    Aggregate(coin, dset = "Normalised", f_ag = "a_amean")
  },
  zscore = function() {
    coin <- treat(build_to_screen())
    coin <- Normalise(coin, dset = "Treated",
                      global_specs = list(f_n = "n_zscore", f_n_para = list(m_sd = c(0, 1))))
    Aggregate(coin, dset = "Normalised", f_ag = "a_amean")
  },
  minmax1_geom = function() {
    coin <- treat(build_to_screen())
    coin <- Normalise(coin, dset = "Treated",
                      global_specs = list(f_n = "n_minmax", f_n_para = list(l_u = c(1, 100))))
    Aggregate(coin, dset = "Normalised", f_ag = "a_gmean")
  },
  notreat = function() {
    coin <- build_to_screen()
    coin <- Normalise(coin, dset = "Screened",
                      global_specs = list(f_n = "n_minmax", f_n_para = list(c(0, 100))))
    Aggregate(coin, dset = "Normalised", f_ag = "a_amean")
  },
  # extra (not a COINr example): Winsorise at most 1 point, so that several
  # indicators fail the skew/kurtosis check after Winsorisation and log_CT() is used
  winmax1 = function() {
    coin <- Treat(build_to_screen(), dset = "Screened",
                  global_specs = list(f1_para = list(winmax = 1)))
    coin <- Normalise(coin, dset = "Treated",
                      global_specs = list(f_n = "n_minmax", f_n_para = list(c(0, 100))))
    Aggregate(coin, dset = "Normalised", f_ag = "a_amean")
  },
  prank = function() {
    coin <- treat(build_to_screen())
    coin <- Normalise(coin, dset = "Treated",
                      global_specs = list(f_n = "n_prank"))
    Aggregate(coin, dset = "Normalised", f_ag = "a_amean")
  }
)

# ---------------------------------------------------------------------------
# Writers
# ---------------------------------------------------------------------------

fmt_col <- function(x) {
  if (is.numeric(x)) {
    out <- sprintf("%.17g", x)
    out[is.na(x)] <- ""
    out
  } else if (is.logical(x)) {
    out <- ifelse(x, "TRUE", "FALSE")
    out[is.na(x)] <- ""
    out
  } else {
    out <- as.character(x)
    out[is.na(out)] <- ""
    out
  }
}

write_df <- function(df, path) {
  df <- as.data.frame(df, stringsAsFactors = FALSE)
  out <- as.data.frame(lapply(df, fmt_col), stringsAsFactors = FALSE, check.names = FALSE)
  names(out) <- names(df)
  stopifnot(!any(grepl("[,\"]", unlist(out))))
  write.table(out, path, sep = ",", quote = FALSE, row.names = FALSE, col.names = TRUE,
              na = "", fileEncoding = "UTF-8", eol = "\n")
}

dset_names <- c(Denominated = "denominated", Imputed = "imputed", Screened = "screened",
                Treated = "treated", Normalised = "normalised", Aggregated = "aggregated")

for (m in names(methods)) {
  coin <- suppressMessages(methods[[m]]())
  d <- file.path(out_dir, m)
  dir.create(d, showWarnings = FALSE, recursive = TRUE)
  for (ds in names(dset_names)) {
    if (!is.null(coin$Data[[ds]])) {
      write_df(get_dset(coin, ds), file.path(d, paste0(dset_names[[ds]], ".csv")))
    }
  }
  # ranks of every indicator and aggregate (COINr: rank(-x, ties.method = "min", na.last = "keep"))
  write_df(get_results(coin, dset = "Aggregated", tab_type = "Full", use = "ranks"),
           file.path(d, "ranks.csv"))
  # screening summary
  write_df(coin$Analysis$Screened$DataSummary, file.path(d, "screen_summary.csv"))
  # treatment details
  if (!is.null(coin$Data$Treated)) {
    write_df(coin$Analysis$Treated$Dets_Table, file.path(d, "treat_log.csv"))
    tp <- coin$Analysis$Treated$Treated_Points
    tp <- cbind(uCode = get_dset(coin, "Treated")$uCode, tp)
    write_df(tp, file.path(d, "treated_points.csv"))
  }

  # sanity checks
  agg <- get_dset(coin, "Aggregated")
  stopifnot(ncol(agg) == 1 + 49 + 11,
            nrow(agg) == nrow(get_dset(coin, "Screened")),
            !anyNA(agg[c("Index", "Conn", "Sust")]))
  message(sprintf("%-13s units=%d cols=%d removed=[%s] Index range=[%.4f, %.4f]",
                  m, nrow(agg), ncol(agg),
                  paste(coin$Analysis$Screened$RemovedUnits, collapse = " "),
                  min(agg$Index), max(agg$Index)))

  if (m == "default" && "ASEM_iData" %in% utils::data(package = "COINr")$results[, "Item"]) {
    # cross-check: the default methodology equals COINr's own build_example_coin()
    ref <- build_example_coin(quietly = TRUE)
    stopifnot(identical(get_dset(ref, "Aggregated"), agg))
    message("default: identical to COINr::build_example_coin()")
  }
}

# provenance
writeLines(c(
  paste("generated:", format(Sys.time(), tz = "UTC", usetz = TRUE)),
  paste("R:", R.version.string),
  paste("COINr version:", as.character(utils::packageVersion("COINr"))),
  paste("COINr source:", local({
    d <- utils::packageDescription("COINr")
    if (is.null(d$RemoteSha)) "unknown (not installed by tools/coinr/install_coinr.sh)"
    else paste0(d$RemoteUrl, " ", d$RemoteRef, " (commit ", d$RemoteSha, ")")
  })),
  paste("input md5:", paste(c("ASEM_iData.csv", "ASEM_iMeta.csv"),
                            unname(tools::md5sum(file.path(data_dir, c("ASEM_iData.csv", "ASEM_iMeta.csv")))),
                            collapse = " ; "))
), file.path(out_dir, "provenance.txt"))
