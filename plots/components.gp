# components.gp - the energy components of the cost model (sim/sim.h SIM_COMPONENT_LIST), in
# its order, with the plot titles and fill colours that every breakdown plot shares: CAP parts
# in blues, MAP parts in oranges, the bus and the controller in purple and grey. Loaded by
# layer_energy.gp and energy_breakdown.gp (columns energy_<name>_mj).
N_COMP = 9
array COMP[N_COMP] = ["cap_matchline", "cap_searchline", "cap_write", "cap_leakage", \
                      "cap_wakeup", "map_access", "map_leakage", "bus", "controller"]
array COMP_TITLE[N_COMP] = ["CAP match lines", "CAP search lines", "CAP writes", \
                            "CAP leakage", "CAP wake-up", "MAP access", "MAP leakage", \
                            "bus (MAP-CAP)", "controller"]
array COMP_COLOUR[N_COMP] = ["#08306b", "#2171b5", "#6baed6", "#9ecae1", "#deebf7", \
                             "#d94801", "#fdae6b", "#6a51a3", "#737373"]
# Sum of the first j components of the current row, scaled (the top of the j-th stacked box);
# UNIT is the column suffix ("mj"). A missing or empty column counts as 0.
comp_val(j) = (v = column("energy_".COMP[j]."_".UNIT), v == v ? v : 0)
comp_cum(j) = (j < 1) ? 0 : comp_val(j) + comp_cum(j - 1)
