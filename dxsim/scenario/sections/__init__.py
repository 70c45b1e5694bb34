"""The scenario's sections, one module each; :mod:`dxsim.scenario.schema` assembles them into `Scenario`.

- :mod:`.run`: horizon and start state;
- :mod:`.network_5g`: radio, operators, crews, seasons, works, supply, costs, support, sites;
- :mod:`.operators`: business case, Resolution 193 support rules, surge;
- :mod:`.budget`: the public budget envelope;
- :mod:`.capacity`: demand and the served / capacity-short definition;
- :mod:`.villages` (with :mod:`.villages_layer`, :mod:`.villages_options`, :mod:`.villages_programme`,
  :mod:`.villages_campaigns`): the village programme;
- :mod:`.compute` (with :mod:`.compute_dc`, :mod:`.compute_gpus`): data centres, GPUs and AI demand;
- :mod:`.uncertainty`: parameter ranges drawn per replication.
"""
