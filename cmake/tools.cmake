# SPDX-License-Identifier: MIT
# Installs the helpdesk's command-line tools (docs/TOOLS.md): the asset-*
# programs into bin, and assetd-tool.sh, the part they share, into
# share/assetd. A tool looks for the helper beside itself (as in
# scripts/), then in ../share/assetd from its own directory, so the two
# directories must keep that relation; configuring fails if they do not.
include(GNUInstallDirs)

set(ASSETD_TOOLS_DIR ${CMAKE_CURRENT_LIST_DIR}/../scripts)
set(ASSETD_TOOLS asset-issue asset-return asset-transfer asset-show
    asset-find)
list(TRANSFORM ASSETD_TOOLS PREPEND ${ASSETD_TOOLS_DIR}/)

file(RELATIVE_PATH ASSETD_TOOLS_HELPER_PATH ${CMAKE_INSTALL_FULL_BINDIR}
     ${CMAKE_INSTALL_FULL_DATADIR}/assetd)
if(NOT ASSETD_TOOLS_HELPER_PATH STREQUAL "../share/assetd")
  message(FATAL_ERROR "the asset-* tools look for their helper in "
    "../share/assetd from their own directory, but "
    "CMAKE_INSTALL_BINDIR and CMAKE_INSTALL_DATADIR put it at "
    "${ASSETD_TOOLS_HELPER_PATH}")
endif()

install(PROGRAMS ${ASSETD_TOOLS} DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES ${ASSETD_TOOLS_DIR}/assetd-tool.sh
        DESTINATION ${CMAKE_INSTALL_DATADIR}/assetd)
