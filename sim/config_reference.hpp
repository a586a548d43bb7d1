// What the parameters' declarations generate besides the config reader.
#pragma once
#include <set>
#include <string>

namespace cimsim {

// The reference tables of docs/config.md (every key, default, unit, range, meaning), in Markdown.
std::string config_reference();

// Keys whose change alters only prices (declared Affects::Price), and "arch.tech" (the whole
// technology table): `cimsim reprice` accepts changes under these and refuses any other.
std::set<std::string> price_only_keys();

}  // namespace cimsim
