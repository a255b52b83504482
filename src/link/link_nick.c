/*
 * link_nick.c — nicknames: every given name mapped to one canonical name (contract in link.h, section
 * "normalisation"; design in link/README.md, "Normalisation").
 *
 * Nicknames: a built-in table of clusters written here (nick_clusters: "canonical: variant variant ..."), a
 * list of deliberately ambiguous short forms that are their own canonical (nick_self), and a runtime table
 * filled by link_nick_load from lookup files. Invariants:
 *   N1. Every name maps to exactly one canonical, and a canonical maps to itself: link_nick_canonical(
 *       link_nick_canonical(x)) == link_nick_canonical(x) for every x. Two names are "nickname-equal" exactly
 *       when their canonicals are equal, so clusters never overlap.
 *   N2. The built-in table wins: a lookup file never changes what a built-in name maps to, and never maps a
 *       built-in canonical or self entry to something else.
 *   N3. Files never chain clusters: a name that is already a canonical (built-in, or the head of an earlier
 *       pair) is never made a nickname of another; a nickname seen under two different canonicals
 *       ("al" under albert and alan) becomes ambiguous and maps to itself from then on.
 * The built-in index is sorted once (pthread_once), in fixed room, so building it never fails; a variant
 * listed in two clusters, a canonical listed as another's variant or tables outgrowing their room are
 * reported by link_nick_builtin_check (through link_norm_check, which the unit tests call), so any test run
 * catches an edit that breaks N1. Nothing here stops the program: the engine runs inside the server.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <csv.h>

#include "link/link_internal.h"

static void nick_build(void);
static pthread_once_t nick_once = PTHREAD_ONCE_INIT;

/* ---- nicknames: the built-in table -------------------------------------------------------------------------- */

/*
 * One cluster per line: "canonical: variant variant ...", all folded (lower case, no accents: "sion" for
 * Siôn). Rules followed when writing it:
 *   - a diminutive or spelling variant joins the cluster of the formal name it is used for in the UK;
 *   - Welsh, Scottish Gaelic, Irish, Polish, Romanian and other European forms join the English cluster of
 *     the same name when they are used as its equivalent (siôn, ieuan, seán -> john; dafydd, dai -> david;
 *     gwilym, liam -> william; seamus, hamish -> james; katarzyna, kasia -> katherine; ion -> john);
 *     names that merely share a root but are used as different names stay apart (megan is not margaret,
 *     evan is not john, ian is not john: iain -> ian);
 *   - Arabic, Somali and South Asian names: transliteration variants only (mohamed, maxamed, mohd, md ->
 *     muhammad; abdirahman, cabdiraxmaan -> abdulrahman); no cross-language equivalence (yusuf is not
 *     joseph);
 *   - male and female forms are never one cluster (alexander and alexandra, nicholas and nicola), because
 *     twins of opposite sex share everything else; a short form used for both (alex, sam, chris, jo) is in
 *     nick_self instead: its own canonical, protected from lookup files.
 */
static const char *const nick_clusters[] = {
    /* English, with Welsh, Gaelic, Irish and European equivalents */
    "william: bill billy will willie willy wills liam gwilym gwil wilhelm guillaume guillermo wim",
    "robert: bob bobby rob robbie robby rab rabbie roberto",
    "richard: dick dickie dicky rick ricky rickie rich richie ritchie ricardo riccardo rhisiart risteard",
    "james: jim jimmy jimmie jamie jem hamish seumas seamus shamus jaime giacomo",
    "john: jack johnny johnnie sean shaun shawn shaughn sion sionyn ieuan iwan ioan ion ionut ionel johan johann "
    "johannes hans juan joao giovanni gianni jock janek",
    "thomas: tom tommy tommie thom tomos twm tomasz tomek tomas tommaso",
    "edward: ed eddie eddy ned neddy ted teddy edoardo eduardo edouard",
    "charles: chas chaz chuck carlos",
    "henry: harry hal hank harri henri enrico heinrich hendrik",
    "michael: mike mikey mick mickey micky mihai mihail michal micheal mikhail miguel michel misha mykhailo",
    "joseph: joe joey jozef josef jose giuseppe seosamh",
    "daniel: dan danny daniele",
    "david: dave davy davey dafydd dai dewi dawid davide",
    "peter: pete piotr piotrek pedro pietro petr peadar petru pierre pieter",
    "paul: pawel paulo paolo pablo pavel pol",
    "andrew: andy drew andrzej andrei andreas andres andre",
    "anthony: tony antony anton antonio antoni antek antoine",
    "christopher: kristopher cristopher christoph krzysztof krzys topher",
    "matthew: matt matty mathew mateusz matteo mateo matthieu",
    "stephen: steve steven stevie stephan stefan steffan esteban stefano etienne",
    "alexander: alasdair alastair alistair alister aleksander aleksandr alexandru oleksandr alessandro alejandro "
    "alexandre olek alec alek xander zander",
    "benjamin: ben benny benji benjy",
    "jacob: jake jakub kuba jakob jacobo",
    "nicholas: nick nicolas nikolai nikolay mykola niccolo mikolaj",
    "patrick: paddy padraig padraic patrik patryk",
    "francis: frank franciszek francesco francois francisco franz",
    "frederick: fred freddie freddy frederic fredrick fryderyk fritz",
    "george: geordie gheorghe georgel jerzy jorge giorgio georgios",
    "arthur: art artie",
    "alfred: alf alfie",
    "lawrence: larry laurence lawrie lorenzo laurent",
    "leonard: len lenny",
    "raymond: ray",
    "ronald: ron ronnie",
    "donald: don donnie donal domhnall",
    "douglas: doug dougie",
    "kenneth: ken kenny",
    "terence: terrence terrance tel",
    "timothy: tim timmy",
    "jonathan: jonathon",
    "gregory: greg grzegorz gregor",
    "philip: phil phillip filip felipe philippe",
    "simon: szymon",
    "martin: marty martyn marcin mairtin",
    "mark: marc marek marco",
    "luke: luc luca lukasz",
    "dominic: dom dominik dominick domenico",
    "sebastian: seb sebastien sebastiano",
    "eugene: gene",
    "vincent: vince vinny vinnie vincenzo",
    "walter: walt wally",
    "wilfred: wilf",
    "stanley: stan",
    "sidney: sid syd",
    "archibald: archie",
    "hugh: hughie huw",
    "owen: owain eoin",
    "ewan: euan",
    "rhys: rees reece reese",
    "llywelyn: llewelyn llewellyn llew",
    "ian: iain",
    "neil: neal neill niall",
    "kieran: ciaran kieron keiran",
    "conor: connor conner",
    "dermot: diarmuid dermott",
    "rory: ruairi ruaidhri ruaridh ruairidh",
    "eamonn: eamon",
    "callum: calum",
    "cian: kian",
    "finn: fionn",
    "oisin: osheen",
    "nathaniel: nathanial",
    "zachary: zach zack zak",
    "joshua: josh",
    "gabriel: gabe",
    "theodore: theo",
    "bartholomew: bart bartek bartlomiej",
    "christian: cristian krystian",
    "constantine: constantin costel",
    "basil: vasile vasyl vasily",
    "vladimir: volodymyr",
    "dmitri: dmitry dmitriy dmytro",
    "sergei: sergey serhiy sergiy",
    "margaret: maggie mags meg peggy peg madge marge margarita margareta marged mairead malgorzata malgosia gosia "
    "marguerite",
    "elizabeth: liz lizzie lizzy beth betty betsy bess bessie libby elisabeth elzbieta elspeth eilis eilish",
    "katherine: kate katie katy kathy kath kat kitty kasia katarzyna catherine kathryn katharine kathrine cathryn "
    "cathy cath cate catrin catriona katarina katerina ekaterina katya",
    "mary: maria marie mari maire mair mairi mhairi marija mariya",
    "susan: sue susie suzie suzy suzanne susanne susanna susannah zuzanna",
    "patricia: patsy trish tricia trisha",
    "jennifer: jen jenny jenni jennie",
    "rebecca: becky becca rebekah",
    "deborah: debbie debra debby deb",
    "victoria: vicky vicki vickie vikki tori wiktoria",
    "christine: christina kristina kristine krystyna chrissie chrissy cristina",
    "jacqueline: jacqui jacquie jacquelyn",
    "hannah: hanna hana",
    "anne: ann annie anna ania anka anya",
    "abigail: abbie abby abbey abi abbi",
    "emily: emilie",
    "eleanor: elinor elenor eleanore eleonora",
    "helen: helena elena eilidh olena",
    "louise: louisa luisa",
    "caroline: carolyn carolina karolina",
    "dorothy: dot dottie dolly",
    "frances: fanny",
    "gillian: gill jill jilly jillian",
    "joan: joanie siobhan shivaun",
    "jane: jayne janey sian shan sinead shinead sine sheena",
    "janet: janette jeanette seonaid sioned",
    "josephine: josie",
    "judith: judy judi",
    "lucy: lucie luci lucia lucja",
    "marjorie: margery marjory margie",
    "natalie: natalia natalya nataliya natasha tasha",
    "nicola: nichola nikki nicki",
    "pamela: pam pammy",
    "penelope: penny",
    "rachel: rachael racheal raquel",
    "sarah: sara sally sadie sorcha",
    "teresa: theresa tess tessa tessie terri",
    "veronica: veronika weronika",
    "zoe: zoey zoie",
    "sophia: sophie sofia sofie zofia zosia sophy",
    "isabel: isabelle isabella izabela izabella isobel ishbel izzy izzie",
    "olivia: oliwia livvy",
    "amy: amie aimee",
    "leah: lea",
    "megan: meghan meagan",
    "niamh: neve neave nieve neeve",
    "caoimhe: keeva",
    "aisling: ashling aislinn",
    "grainne: grania",
    "roisin: rosheen",
    "orla: orlagh orlaith",
    "saoirse: seersha sersha",
    "bridget: brigid brid bridie biddy bridgette",
    "eimear: emer",
    "ciara: kiera keira kiara",
    "aoife: eefa",
    "kirsty: kirstie kirsten kirstin",
    "agnes: agnieszka aga",
    "eva: ewa",
    "magdalena: magda",
    "monica: monika",
    "martha: marta",
    "joanna: ioana joana",
    "michaela: mihaela micaela",
    "stephanie: stefanie stephany",
    "kimberley: kimberly",
    "charlotte: lottie lotty",
    "florence: flo florrie",
    "harriet: hattie hatty",
    "winifred: winnie",
    "matilda: tilly tillie",
    "jessica: jess",
    /* Arabic, Somali, Turkish and South Asian transliterations */
    "muhammad: mohammed mohammad mohamed mohamad muhammed muhamed muhamad mohamud maxamed mahomed mehmet mohd md "
    "mohammod muhammod mahammad",
    "abdul: abdool abdel abdal",
    "abdulrahman: abdurrahman abdirahman abdelrahman abderrahmane cabdiraxmaan",
    "abdullah: abdallah abdalla abdullahi cabdullaahi abdulla",
    "ahmed: ahmad ahmet axmed",
    "hassan: hasan xasan",
    "hussain: husain hussein husein hossain hosain xuseen",
    "omar: umar cumar omer",
    "ibrahim: ebrahim ibraheem",
    "ismail: ismael ismaeel",
    "mustafa: mustapha mostafa",
    "hamza: hamzah",
    "osman: usman othman uthman",
    "mahmood: mahmud mehmood mahmoud mahmut",
    "nasir: naseer nasser",
    "bashir: basheer",
    "nadeem: nadim",
    "waseem: wasim",
    "naeem: naim",
    "saleem: salim",
    "kareem: karim",
    "raheem: rahim",
    "shakeel: shakil",
    "jameel: jamil",
    "tariq: tarik tarique",
    "rashid: rasheed rachid",
    "faisal: faysal feisal",
    "imran: imraan",
    "zubair: zubeir",
    "syed: sayed saiyed sayyid sayyed",
    "yusuf: yousuf yousef yusef yussuf yousaf",
    "mohinder: mohindar mahinder",
    "surinder: surindar",
    "rajinder: rajindar rajender",
    "jaswinder: jasvinder",
    "sukhwinder: sukhvinder",
    "pradeep: pardeep pradip",
    "sandeep: sundeep sandip",
    "kuldeep: kuldip",
    "mandeep: mandip",
    "jagdeep: jagdip",
    "vijay: vijai",
    "lakshmi: laxmi",
    "fatima: fatimah fatema fathima fatma faduma faadumo fatuma",
    "aisha: ayesha aysha aishah ayisha aesha caisha",
    "khadija: khadijah khadiija hadija",
    "zainab: zaynab zeinab",
    "maryam: mariam maryan mariyam",
    "amina: aminah amena",
    "yasmin: yasmine yasmeen",
    "noor: nur nour",
    "nasreen: nasrin",
    "rubina: rubeena",
    "sadia: saadia",
    "rukhsana: ruksana",
    "parveen: perveen",
    /* Polish, Romanian and other European forms with no English equivalent */
    "alexandra: aleksandra ola olka",
    "wojciech: wojtek",
    "maciej: maciek",
};

/* Short forms used for more than one name (often of both sexes): each is its own canonical, and lookup files
 * cannot map it (invariant N2). jan is Polish and Dutch for John but an English woman's name too. */
static const char *const nick_self[] = {
    "al",     "alex",  "ali",   "ash",   "bert",   "bertie", "billie", "bobbie", "charlie", "chris", "dani",
    "dee",    "ellie", "fran",  "frankie", "gabby", "gabi",  "gaby",   "georgie", "gerry",  "jackie", "jacky",
    "jan",    "jay",   "jerry", "jo",    "jodie",  "jon",   "jules",  "kit",    "les",     "lou",   "max",
    "mel",    "millie", "nat",  "nell",  "nellie", "nicky", "ollie",  "olly",   "pat",     "pip",   "rosie",
    "sam",    "sammie", "sammy", "sandy", "sasha", "steph", "terry",  "tina",   "toni",    "val",   "vic",
    "viv",
};

typedef struct nick_entry {
    const char *name;
    const char *canon;
} nick_entry;

/* Room for the built-in index: every name of nick_clusters and nick_self, and a copy of the cluster lines cut
 * into names. Fixed, so that building it can neither run out of memory nor fail; link_norm_check (called by
 * the unit tests) says when an edit to the tables needs more. */
enum { NICK_BUILTIN_NAMES = 2048, NICK_BUILTIN_BYTES = 24576 };
static nick_entry nick_index[NICK_BUILTIN_NAMES]; /* built-in names (variants, canonicals, self), sorted */
static char nick_text[NICK_BUILTIN_BYTES];
static size_t nick_nindex;
static char nick_broken[160]; /* the first invariant the built-in tables break ("" when none) */

static int cmp_entry(const void *a, const void *b)
{
    return strcmp(((const nick_entry *)a)->name, ((const nick_entry *)b)->name);
}

/* Cut cluster lines ("canonical: variant variant ...") and self entries into out[0..cap), their names copied
 * into text[0..textcap), and sort them by name. *nout is the number of entries made. Returns NULL, or what is
 * wrong, written into why: a line without ':', a canonical or a variant missing, more names or bytes than
 * there is room for (the entries made so far are kept), or a name listed twice (invariant N1: a variant in two
 * clusters, or a canonical that is another's variant). Never allocates. */
static const char *nick_index_build(const char *const *clusters, size_t nclusters, const char *const *self,
                                    size_t nself, nick_entry *out, size_t cap, char *text, size_t textcap,
                                    size_t *nout, char *why, size_t whycap)
{
    size_t n = 0, used = 0;
    const char *broken = NULL;
    for (size_t i = 0; i < nclusters && !broken; i++) {
        size_t len = strlen(clusters[i]);
        if (len + 1 > textcap - used) {
            snprintf(why, whycap, "the built-in nickname lines need more than %zu bytes", textcap);
            broken = why;
            break;
        }
        char *w = text + used;
        memcpy(w, clusters[i], len + 1);
        char *colon = strchr(w, ':');
        if (!colon) {
            snprintf(why, whycap, "nickname cluster %zu has no ':'", i + 1);
            broken = why;
            break;
        }
        *colon = '\0';
        if (!*w || strchr(w, ' ')) {
            snprintf(why, whycap, "nickname cluster %zu has no one-word canonical before its ':'", i + 1);
            broken = why;
            break;
        }
        used += len + 1;
        const char *canon = w;
        size_t first = n;
        if (n < cap)
            out[n++] = (nick_entry){canon, canon};
        char *save = NULL;
        for (char *tok = strtok_r(colon + 1, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
            if (n == cap)
                break;
            out[n++] = (nick_entry){tok, canon};
        }
        if (n == cap) {
            snprintf(why, whycap, "the built-in nicknames are more than %zu names", cap);
            broken = why;
        } else if (n == first + 1) {
            snprintf(why, whycap, "nickname cluster '%s' has no variant", canon);
            broken = why;
        }
    }
    for (size_t i = 0; i < nself && !broken; i++) {
        if (n == cap) {
            snprintf(why, whycap, "the built-in nicknames are more than %zu names", cap);
            broken = why;
            break;
        }
        out[n++] = (nick_entry){self[i], self[i]};
    }
    qsort(out, n, sizeof *out, cmp_entry);
    for (size_t i = 1; i < n && !broken; i++)
        if (strcmp(out[i - 1].name, out[i].name) == 0) {
            snprintf(why, whycap, "nickname '%.40s' is listed twice (invariant N1)", out[i].name);
            broken = why;
        }
    *nout = n;
    return broken;
}

/* Build the sorted built-in index from the cluster lines (once; it lives until exit). A broken table (an edit
 * that link_norm_check reports) still gives an index — the names it could place — and never stops the
 * program: the engine runs inside the server. */
static void nick_build(void)
{
    nick_index_build(nick_clusters, sizeof nick_clusters / sizeof nick_clusters[0], nick_self,
                     sizeof nick_self / sizeof nick_self[0], nick_index, NICK_BUILTIN_NAMES, nick_text,
                     sizeof nick_text, &nick_nindex, nick_broken, sizeof nick_broken);
}

int link_nick_table_check(const char *const *clusters, size_t nclusters, const char *const *self, size_t nself,
                          core_error *err)
{
    size_t bytes = 1, names = 1;
    for (size_t i = 0; i < nclusters; i++) {
        bytes += strlen(clusters[i]) + 1;
        for (const char *p = clusters[i]; *p; p++)
            names += *p == ' ';
        names++;
    }
    names += nself;
    nick_entry *out = malloc(names * sizeof *out);
    char *text = malloc(bytes);
    if (!out || !text) {
        free(out);
        free(text);
        return core_error_set(err, CORE_E_INTERNAL, "out of memory checking %zu nickname clusters", nclusters);
    }
    char why[160];
    size_t n = 0;
    const char *broken =
        nick_index_build(clusters, nclusters, self, nself, out, names, text, bytes, &n, why, sizeof why);
    free(out);
    free(text);
    if (broken)
        return core_error_set(err, CORE_E_INTERNAL, "%s", broken);
    return 0;
}

int link_nick_builtin_check(core_error *err)
{
    pthread_once(&nick_once, nick_build);
    if (nick_broken[0])
        return core_error_set(err, CORE_E_INTERNAL, "%s", nick_broken);
    return 0;
}

static const nick_entry *nick_builtin(const char *name)
{
    pthread_once(&nick_once, nick_build);
    nick_entry key = {name, NULL};
    return bsearch(&key, nick_index, nick_nindex, sizeof *nick_index, cmp_entry);
}

/* ---- nicknames: the runtime table (lookup files) ------------------------------------------------------------ */

enum { NICK_CANON = 1, NICK_ALIAS, NICK_AMBIG };

typedef struct nick_slot {
    char *name;        /* owned; NULL: empty slot */
    const char *canon; /* NICK_ALIAS: a built-in canonical or the name of a NICK_CANON/NICK_AMBIG slot */
    int state;
} nick_slot;

/* Open addressing, linear probing, at most half full. Filled only by link_nick_load (not thread-safe); read by
 * link_nick_canonical. Freed at exit. */
static nick_slot *nick_table;
static size_t nick_cap, nick_count;
#define NICK_RUNTIME_MAX 200000 /* names from lookup files, all files together */

static uint64_t nick_hash(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static nick_slot *nick_find(const char *name)
{
    if (!nick_table)
        return NULL;
    for (size_t i = nick_hash(name) & (nick_cap - 1);; i = (i + 1) & (nick_cap - 1)) {
        if (!nick_table[i].name)
            return NULL;
        if (strcmp(nick_table[i].name, name) == 0)
            return &nick_table[i];
    }
}

static void nick_free_all(void)
{
    for (size_t i = 0; i < nick_cap; i++)
        free(nick_table[i].name);
    free(nick_table);
    nick_table = NULL;
    nick_cap = nick_count = 0;
}

/* Double the table. 0, or -1 when out of memory (the table is unchanged). */
static int nick_grow(void)
{
    size_t ncap = nick_cap ? nick_cap * 2 : 1024;
    nick_slot *t = calloc(ncap, sizeof *t);
    if (!t)
        return -1;
    for (size_t i = 0; i < nick_cap; i++) {
        if (!nick_table[i].name)
            continue;
        size_t j = nick_hash(nick_table[i].name) & (ncap - 1);
        while (t[j].name)
            j = (j + 1) & (ncap - 1);
        t[j] = nick_table[i];
    }
    /* Aliases point at names, which moved with their slots but kept their addresses (the strings are owned
     * separately), so nothing needs fixing. */
    free(nick_table);
    if (!nick_cap)
        atexit(nick_free_all);
    nick_table = t;
    nick_cap = ncap;
    return 0;
}

/* Insert a new name (absent from the table). Returns its slot, or NULL when out of memory (nothing added). */
static nick_slot *nick_insert(const char *name, int state, const char *canon)
{
    if ((nick_count + 1) * 2 > nick_cap && nick_grow() < 0)
        return NULL;
    size_t len = strlen(name);
    char *copy = malloc(len + 1);
    if (!copy)
        return NULL;
    memcpy(copy, name, len + 1);
    size_t i = nick_hash(name) & (nick_cap - 1);
    while (nick_table[i].name)
        i = (i + 1) & (nick_cap - 1);
    nick_table[i].name = copy;
    nick_table[i].state = state;
    nick_table[i].canon = canon;
    nick_count++;
    return &nick_table[i];
}

/* The canonical of a folded single token, persistent (built-in or table-owned), or NULL when the name is in
 * neither table (it is then its own canonical). */
static const char *nick_lookup(const char *token)
{
    const nick_entry *b = nick_builtin(token);
    if (b)
        return b->canon;
    nick_slot *s = nick_find(token);
    if (!s)
        return NULL;
    return s->state == NICK_ALIAS ? s->canon : s->name;
}

const char *link_nick_canonical(const char *token)
{
    if (!token)
        return NULL;
    int folded = *token != '\0';
    for (const char *p = token; *p && folded; p++)
        folded = (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9');
    if (folded) {
        const char *c = nick_lookup(token);
        return c && strcmp(c, token) != 0 ? c : token;
    }
    /* Not yet folded ("Siôn", "BILL"): fold its first token and look that up. */
    char stack[128];
    size_t n = 0;
    int oom; /* then no nickname: the name is its own canonical */
    char *f = link_norm_fold(token, strlen(token), stack, sizeof stack, &n, &oom);
    const char *c = NULL;
    if (f) {
        char *sp = strchr(f, ' ');
        if (sp)
            *sp = '\0';
        c = *f ? nick_lookup(f) : NULL;
        if (f != stack)
            free(f);
    }
    return c && strcmp(c, token) != 0 ? c : token;
}

/* Record that nick is a nickname of head (both folded single tokens): invariants N2 and N3. Returns 1 when a
 * new alias was added, 0 when nothing changed, -1 when the table is full, -2 when out of memory. */
static int nick_add(const char *head, const char *nick)
{
    const char *canon = nick_lookup(head);
    if (!canon) {
        if (nick_count >= NICK_RUNTIME_MAX)
            return -1;
        nick_slot *h = nick_insert(head, NICK_CANON, NULL);
        if (!h)
            return -2;
        canon = h->name;
    }
    if (strcmp(nick, canon) == 0 || nick_builtin(nick))
        return 0;
    nick_slot *s = nick_find(nick);
    if (!s) {
        if (nick_count >= NICK_RUNTIME_MAX)
            return -1;
        return nick_insert(nick, NICK_ALIAS, canon) ? 1 : -2;
    }
    if (s->state == NICK_ALIAS && strcmp(s->canon, canon) != 0)
        s->state = NICK_AMBIG; /* N3: seen under two canonicals; maps to itself from now on */
    return 0;
}

/* Lookup files are read with libcsv, one row at a time. */
#define NICK_FIELDS 16 /* fields of a lookup row that are read; more are ignored */

typedef struct nick_reader {
    char *fields[NICK_FIELDS]; /* folded fields of the current row (NULL: empty or not UTF-8) */
    size_t nfields;
    int format; /* 0: not decided (first row), 1: carltonnorthern (name1,relationship,name2), 2: NHS England */
    int added;
    int full;
    int oom; /* out of memory: the read stops with an error */
    int started; /* a byte has been given to the parser (a byte-order mark can only come first) */
} nick_reader;

/* A name a lookup row gives: folded, one token (a multi-word entry can never equal a token). */
static const char *nick_name(const nick_reader *r, size_t i)
{
    const char *f = r->fields[i];
    return f && !strchr(f, ' ') ? f : NULL;
}

static void nick_field(void *data, size_t len, void *ctx)
{
    nick_reader *r = ctx;
    size_t i = r->nfields++;
    if (i >= NICK_FIELDS)
        return;
    char stack[64];
    size_t n = 0;
    int oom;
    char *f = link_norm_fold(data, len, stack, sizeof stack, &n, &oom);
    r->fields[i] = NULL;
    if (oom)
        r->oom = 1;
    if (f && n > 0) {
        r->fields[i] = malloc(n + 1);
        if (r->fields[i])
            memcpy(r->fields[i], f, n + 1);
        else
            r->oom = 1;
    }
    if (f && f != stack)
        free(f);
}

static void nick_row(int c, void *ctx)
{
    (void)c;
    nick_reader *r = ctx;
    size_t nf = r->nfields < NICK_FIELDS ? r->nfields : NICK_FIELDS;
    int header = 0;
    if (nf > 0 && r->format == 0) {
        header = nf == 3 && r->fields[0] && r->fields[1] && r->fields[2] && strcmp(r->fields[0], "name1") == 0 &&
                 strcmp(r->fields[1], "relationship") == 0 && strcmp(r->fields[2], "name2") == 0;
        r->format = header ? 1 : 2;
    }
    if (header) {
        /* the carltonnorthern header row: nothing to add */
    } else if (r->format == 1 && nf >= 3 && nick_name(r, 0) && nick_name(r, 2) && r->fields[1] &&
        strcmp(r->fields[1], "has nickname") == 0) { /* "has_nickname", folded */
        int rc = nick_add(nick_name(r, 0), nick_name(r, 2));
        r->full |= rc == -1;
        r->oom |= rc == -2;
        r->added += rc > 0;
    } else if (r->format == 2 && nf >= 2 && nick_name(r, 0)) {
        for (size_t i = 1; i < nf; i++) {
            if (!nick_name(r, i))
                continue;
            int rc = nick_add(nick_name(r, 0), nick_name(r, i));
            r->full |= rc == -1;
        r->oom |= rc == -2;
            r->added += rc > 0;
        }
    }
    for (size_t i = 0; i < nf; i++) {
        free(r->fields[i]);
        r->fields[i] = NULL;
    }
    r->nfields = 0;
}

/* libcsv grows its field buffer with this: a nickname file has short fields; a longer one is refused. */
static void *nick_csv_realloc(void *p, size_t n)
{
    return n > 4096 ? NULL : realloc(p, n);
}

int link_nick_load(const char *path, core_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        core_error_set(err, CORE_E_IO, "cannot open nickname file '%s': %s", path, strerror(errno));
        return core_error_hint(err, "give the path of a names.csv in either lookup format (see link/README.md)");
    }
    struct csv_parser p;
    csv_init(&p, CSV_APPEND_NULL);
    csv_set_realloc_func(&p, nick_csv_realloc);
    nick_reader r = {0};
    char buf[65536];
    size_t n;
    int rc = 0;
    while (!r.full && !r.oom && (n = fread(buf, 1, sizeof buf, f)) > 0) {
        const char *data = buf;
        if (!r.started && n >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0)
            data += 3, n -= 3; /* a byte-order mark */
        r.started = 1;
        if (csv_parse(&p, data, n, nick_field, nick_row, &r) != n) {
            rc = core_error_set(err, CORE_E_INVALID_VALUE, "nickname file '%s' is not CSV a program can read: %s",
                                path, csv_strerror(csv_error(&p)));
            break;
        }
    }
    if (!rc && ferror(f))
        rc = core_error_set(err, CORE_E_IO, "cannot read nickname file '%s'", path);
    if (!rc)
        csv_fini(&p, nick_field, nick_row, &r);
    else
        nick_row(-1, &r); /* frees the fields of a half-read row */
    if (!rc && r.oom)
        rc = core_error_set(err, CORE_E_INTERNAL, "out of memory reading nickname file '%s'", path);
    if (!rc && r.full)
        rc = core_error_set(err, CORE_E_INVALID_VALUE, "more than %d names in nickname files",
                            NICK_RUNTIME_MAX);
    csv_free(&p);
    fclose(f);
    return rc ? rc : r.added;
}
