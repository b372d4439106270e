#!/bin/sh
# install_coinr.sh -- install R (Debian) and COINr 1.1.14 from its public GitHub repository.
#
# Usage: tools/coinr/install_coinr.sh GIT_DIR [REV]
#   GIT_DIR  a (bare) git directory of github.com/bluefoxr/COINr, e.g. the one the `fetch`
#            tool returns (/work/.mirror/bluefoxr+COINr/repo)
#   REV      the revision to install; default v1.1.14 (the tag of the CRAN release 1.1.14,
#            commit 338b21ce72791cf75e17a900008952783762eb5c)
#
# COINr's DESCRIPTION Imports are openxlsx, stats, rlang, ggplot2, readxl and utils; the
# non-base ones are all packaged in Debian bookworm as r-cran-*. COINr's source is unpacked
# into a temporary directory (never into this repository), its DESCRIPTION gets the
# fields RemoteType/RemoteUrl/RemoteRef/RemoteSha (the fields `remotes` writes), so that
# packageDescription("COINr")$RemoteSha names the commit in every provenance file.
set -eu

GIT_DIR=${1:?usage: install_coinr.sh GIT_DIR [REV]}
REV=${2:-v1.1.14}

if ! command -v Rscript >/dev/null 2>&1; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
    r-base-core r-cran-openxlsx r-cran-rlang r-cran-ggplot2 r-cran-readxl
fi

SHA=$(git --git-dir="$GIT_DIR" rev-parse "$REV^{commit}")
SRC=$(mktemp -d)
trap 'rm -rf "$SRC"' EXIT
git --git-dir="$GIT_DIR" archive "$SHA" | tar -x -C "$SRC"
grep -q '^Version: 1.1.14$' "$SRC/DESCRIPTION" || {
  echo "install_coinr.sh: $REV ($SHA) is not COINr 1.1.14:" >&2
  grep '^Version:' "$SRC/DESCRIPTION" >&2
  exit 1
}
printf 'RemoteType: github\nRemoteUrl: https://github.com/bluefoxr/COINr\nRemoteRef: %s\nRemoteSha: %s\n' \
  "$REV" "$SHA" >> "$SRC/DESCRIPTION"
R CMD INSTALL "$SRC"
Rscript -e 'd <- utils::packageDescription("COINr"); cat("installed COINr", d$Version, "at", d$RemoteSha, "\n")'
