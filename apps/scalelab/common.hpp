#pragma once
// What the commands of the scalelab program share: exit statuses, usage errors, files written whole.
#include "scalelab/models/loader.hpp"

#include <filesystem>
#include <string>
#include <vector>

namespace scalelab::app
{

constexpr int kOk = 0;
constexpr int kRunError = 1;
constexpr int kBadInput = 2;
constexpr int kInterrupted = 130; // as a shell reports a command stopped by Ctrl-C

// Prints "scalelab: message", a blank line and help to standard error; returns kBadInput.
int usage_error(const std::string& message, const char* help);
bool is_help(const std::string& argument);

// Warnings then errors, one "file:line:col: message" per line, to standard error.
void print_diagnostics(const std::vector<models::Diagnostic>& errors, const std::vector<models::Diagnostic>& warnings);

// Writes through a temporary file beside path and a rename, so an interrupted write never leaves half a file.
void write_file_atomically(const std::filesystem::path& path, const std::string& content);
std::string read_file(const std::filesystem::path& path); // throws std::runtime_error when it cannot

// The path of this program (/proc/self/exe), to run its own commands in child processes.
std::filesystem::path self_executable();

} // namespace scalelab::app
