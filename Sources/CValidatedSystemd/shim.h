#ifndef C_VALIDATED_SYSTEMD_SHIM_H
#define C_VALIDATED_SYSTEMD_SHIM_H

// Code locations are sent explicitly by JournalLogHandler (CODE_FILE, CODE_LINE, CODE_FUNC).
#define SD_JOURNAL_SUPPRESS_LOCATION 1
#include <systemd/sd-daemon.h>
#include <systemd/sd-journal.h>

#endif
