// Tesseract runs OpenMP threads unless OMP_THREAD_LIMIT=1 is in the environment when the process
// starts (libgomp reads it once, at load time); with one engine per core, those threads only
// fight each other. A program that runs OCR calls this first thing in main: when the variable is
// not set to 1 it sets it and re-executes itself, so the setting takes effect.
#pragma once

namespace kuaguan::base {

// Returns normally when OMP_THREAD_LIMIT is already 1; otherwise sets it and execs
// /proc/self/exe with `argv` (returning only if exec fails).
void EnsureSingleThreadedOpenMp(char** argv);

// True when OMP_THREAD_LIMIT=1 is set.
bool OpenMpSingleThreaded();

}  // namespace kuaguan::base
