#!/bin/sh
# A folder a site serves as an APT repository (flat: "deb [trusted=yes] http://HOST/apt ./").
#   packaging/apt_repo.sh dist/apt dist/kiosk_0.1.1_amd64.deb
set -eu
repo=$1
shift
mkdir -p "$repo"
cp "$@" "$repo"/
cd "$repo"
apt-ftparchive packages . > Packages
gzip -9nkf Packages
apt-ftparchive -o APT::FTPArchive::Release::Origin=kiosk \
    -o APT::FTPArchive::Release::Label=kiosk release . > Release
