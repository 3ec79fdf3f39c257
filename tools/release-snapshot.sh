#!/usr/bin/env bash
# Builds the release locally, as a tagged release would be built but
# published nowhere: `goreleaser release --snapshot` signed with a GPG key
# made for this build and thrown away after it (its public half is left
# beside the files as snapshot-signing-key.asc).
#
#   tools/release-snapshot.sh                     every platform, into dist/
#   tools/release-snapshot.sh --host --dist DIR   this machine's platform only (what the tests install)
#
# GORELEASER names the binary (default ./bin/goreleaser), VERSION the
# version the snapshot carries, that of the release it prepares (default
# 0.1.0, as `make install`'s development build).
set -euo pipefail
cd "$(dirname "$0")/.."

goreleaser=${GORELEASER:-$PWD/bin/goreleaser}
dist=dist
narrow=()
while [ $# -gt 0 ]; do
  case $1 in
    # `goreleaser release` has no --single-target: narrow every build's
    # platform list to this machine's instead.
    --host) narrow=(-e "s#^\( *goos:\).*#\1 [$(go env GOOS)]#" -e "s#^\( *goarch:\).*#\1 [$(go env GOARCH)]#") ;;
    --dist) dist=$2; shift ;;
    *) echo "usage: $0 [--host] [--dist DIR]" >&2; exit 2 ;;
  esac
  shift
done

GNUPGHOME=$(mktemp -d)
config=$(mktemp --suffix=.yaml)
export GNUPGHOME
trap 'gpgconf --kill all >/dev/null 2>&1 || true; rm -rf "$GNUPGHOME" "$config"' EXIT

# The key is trusted as the one in this keyring, with no trust database to keep.
echo "trust-model always" > "$GNUPGHOME/gpg.conf"
# RSA, as Terraform's registry verifies only RSA and DSA signatures.
gpg --batch --quiet --pinentry-mode loopback --passphrase '' \
  --quick-gen-key "tenantops release snapshot (throwaway) <snapshot@tenantops.invalid>" rsa3072 sign 1d
GPG_FINGERPRINT=$(gpg --batch --with-colons --list-secret-keys | awk -F: '$1 == "fpr" { print $10; exit }')
export GPG_FINGERPRINT
export RELEASE_VERSION=${VERSION:-0.1.0}

# The same configuration, writing to $dist.
sed -e "s#^dist: dist\$#dist: ${dist}#" "${narrow[@]}" .goreleaser.yaml > "$config"
"$goreleaser" release --snapshot --clean --config "$config"

version=$(sed -n 's/.*"version":"\([^"]*\)".*/\1/p' "$dist/metadata.json")
# The manifest a release uploads beside the archives (release.extra_files,
# which a snapshot does not publish).
cp terraform-registry-manifest.json "$dist/terraform-provider-tenantops_${version}_manifest.json"
gpg --batch --armor --export "$GPG_FINGERPRINT" > "$dist/snapshot-signing-key.asc"
echo "release snapshot $version in $dist/"
