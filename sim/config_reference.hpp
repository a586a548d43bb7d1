// What the parameters' declarations generate besides the config reader.
#pragma once
#include <filesystem>
#include <set>
#include <string>

namespace cimsim {

// The reference tables of docs/config.md (every key, default, unit, range, meaning), in Markdown.
std::string config_reference();

// The text of `file` with the part between its lines "<!-- config-reference:begin -->" and
// "<!-- config-reference:end -->" replaced by config_reference(); InputError without them.
std::string with_config_reference(const std::filesystem::path& file);

// Keys whose change alters only prices (declared Affects::Price), and "arch.tech" (the whole
// technology table): `cimsim reprice` accepts changes under these and refuses any other.
std::set<std::string> price_only_keys();

}  // namespace cimsim
