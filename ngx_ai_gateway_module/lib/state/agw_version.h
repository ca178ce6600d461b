/*
 * agw_version: the one version number of the module, the daemon and the
 * packages.  It lives in the top-level VERSION file; the builds pass it in
 * as -DAGW_VERSION='"x.y.z"' (the module's config, admin-daemon/daemon.mk,
 * and so debian/rules through both), so no source file carries a copy that
 * could drift.
 */

#ifndef AGW_VERSION_H
#define AGW_VERSION_H

#ifndef AGW_VERSION
#error "AGW_VERSION is not defined: build with make or nginx's configure, which read VERSION"
#endif

#endif /* AGW_VERSION_H */
